"""Confine a grading kernel with what Linux gives: a private mount namespace and its own user.

Inside, the kernel sees the machine read-only, its own working copy read-write, a private
``/tmp``, and empty folders where the course directory, the solutions, the tests, the hidden
checks and git history are. As root it then runs as a user of its own (so it cannot write
anything else, signal other kernels or reach other namespaces through ``/proc/<pid>/root``);
as an ordinary user it enters a user namespace instead. Where neither works it says why and
the kernel runs unconfined. The paths come from the environment, set by the grading pipeline.
"""
from __future__ import annotations

import ctypes
import os
import resource
import stat
import sys
from pathlib import Path

ENV_HIDE = "GRADING_SANDBOX_HIDE"        # os.pathsep-separated folders the kernel must not see
ENV_PRELOAD = "GRADING_SANDBOX_PRELOAD"  # comma-separated modules imported before those folders vanish

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
MOUNT_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
               "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
PRIVATE_TMP = ("/tmp", "/dev/shm")
KERNEL_UID_BASE = 200000   # as root, the kernel with pid P runs as uid and gid KERNEL_UID_BASE + P
MAX_TASKS = 512            # processes and threads one kernel user may have (stops a fork bomb)

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    """A step of confinement failed; the message says which."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: None if s is None else s.encode())
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _mounts() -> list[tuple[str, str, int]]:
    """Every mount of this namespace: its id, mount point and per-mount flags, from /proc/self/mountinfo."""
    result = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            flags = 0
            for option in fields[5].split(","):
                flags |= MOUNT_FLAGS.get(option, 0)
            result.append((fields[0], point, flags))
    return result


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def preload(env: dict[str, str]) -> None:
    """Import the modules the tests will need later, while their files are still visible."""
    import importlib
    for name in filter(None, env.get(ENV_PRELOAD, "").split(",")):
        importlib.import_module(name)


def enter_namespace() -> str:
    """Unshare a private mount namespace (and a user namespace when not root); return how."""
    if os.geteuid() == 0:
        _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        how = "mount namespace, own user"
    else:
        uid, gid = os.getuid(), os.getgid()
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWUSER), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        how = "user and mount namespaces"
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    return how


def locked_ancestor(path: str) -> str | None:
    """The outermost folder above ``path`` that other users cannot enter (e.g. ``/root``), if any."""
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        folder = os.path.join(*parts[:depth])
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def expose(needed: list[str]) -> None:
    """Make the kernel's own interpreter, modules and connection file reachable for its own user.

    A folder others cannot enter (Python installed under ``/root``) is covered by a tmpfs that
    holds only bind mounts of what the kernel needs from it; the rest of it stays out of sight.
    """
    by_folder: dict[str, set[str]] = {}
    for path in needed:
        folder = locked_ancestor(path) if os.path.exists(path) else None
        if folder:
            by_folder.setdefault(folder, set()).add(Path(path).parts[len(Path(folder).parts)])
    for folder, names in by_folder.items():
        fds = {name: os.open(os.path.join(folder, name), os.O_PATH) for name in names}
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        for name, fd in fds.items():
            target = os.path.join(folder, name)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(target)
            else:
                open(target, "w").close()
            _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
            os.close(fd)


def _bind_back(fd: int, target: str, flags: int = 0) -> None:
    """Bind what ``fd`` points at (opened before it was covered) at ``target`` again."""
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | flags)
    os.close(fd)


def confine_files(workdir: str, hide: list[str], needed: list[str], carry: list[str]) -> None:
    """Hide folders behind empty read-only tmpfs, give a private /tmp, keep ``workdir`` writable, rest read-only.

    ``needed`` (interpreter, modules) and ``carry`` (the kernel's connection file) that lie under
    ``/tmp`` are bound back into the private ``/tmp``, read-only.
    """
    before = {mount_id for mount_id, _, _ in _mounts()}
    keep = os.open(workdir, os.O_PATH)
    tmp = [path for path in PRIVATE_TMP if os.path.isdir(path)]
    # what the kernel needs from under /tmp (a virtualenv or checkout there, its connection file)
    inside = {path: os.open(path, os.O_PATH) for path in {*needed, *carry}
              if _under(path, tmp) and os.path.exists(path)}
    for path in tmp:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for path, fd in sorted(inside.items()):
        if not _under(path, [p for p in inside if p != path]):
            _bind_back(fd, path, MS_REC)
        else:
            os.close(fd)
    covered = list(tmp)
    for path in sorted({os.path.realpath(p) for p in hide if p}, key=len):
        if os.path.isdir(path) and not _under(path, covered[len(tmp):]):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
            covered.append(path)
    _bind_back(keep, workdir)
    expose(needed)
    writable = [workdir, *PRIVATE_TMP]
    for mount_id, point, flags in _mounts():
        shadowed = mount_id in before and _under(point, covered)  # an old mount now under a tmpfs of ours
        if point in writable or shadowed or _under(point, ["/proc", "/sys", "/dev"]) or flags & MS_RDONLY:
            continue
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
    _mount(None, workdir, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)
    os.chdir(workdir)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_privileges(workdir: str) -> None:
    """No way back to more rights: as root, become a user no other process has, owning only the
    working copy; in a user namespace, drop every capability (so the mounts cannot be undone)."""
    _check(_libc.prctl(38, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    if os.geteuid() == 0:
        uid = KERNEL_UID_BASE + os.getpid()
        os.chown(workdir, uid, uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_TASKS, MAX_TASKS))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # all uids non-zero: the kernel clears every capability
    else:
        header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
        _check(_libc.capset(ctypes.byref(header), data), "capset")


def confine(workdir: str, env: dict[str, str], connection_file: str) -> str:
    """Preload, then confine this process's files; return a one-line description or why it is unconfined.

    Call :func:`drop_privileges` afterwards, once the kernel has bound its sockets.
    """
    preload(env)
    hide = env.get(ENV_HIDE, "").split(os.pathsep)
    carry = [os.path.realpath(connection_file)] if connection_file else []
    needed = [sys.prefix, sys.base_prefix, *filter(None, sys.path), *carry]
    try:
        how = enter_namespace()
        confine_files(os.path.realpath(workdir), hide, needed, carry)
    except (OSError, AttributeError) as exc:
        return f"unconfined ({exc})"
    return how


def scrub_environ(name: str) -> None:
    """Overwrite a variable's value in the process's original environment block (/proc/self/environ)."""
    environ = ctypes.POINTER(ctypes.c_void_p).in_dll(_libc, "environ")
    prefix = name.encode() + b"="
    index = 0
    while environ[index]:
        entry = ctypes.string_at(environ[index])
        if entry.startswith(prefix):
            ctypes.memset(environ[index] + len(prefix), ord("0"), len(entry) - len(prefix))
        index += 1


def probe() -> str:
    """Whether kernels can be confined on this machine, tried in a throw-away process: how, or why not."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as workdir:
        done = subprocess.run([sys.executable, "-m", "grading.sandbox", workdir], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    lines = (done.stdout or done.stderr or "no answer").strip().splitlines()
    return lines[-1] if lines else "unconfined (no answer)"


if __name__ == "__main__":  # the probe's child: confine itself to the folder given, then report
    how = confine(sys.argv[1], {}, "")
    if not how.startswith("unconfined"):
        drop_privileges(sys.argv[1])
    print(how)
