"""Every limit of a grading run, defined once: its default, its line of help, and where it goes.

Each field of :class:`Settings` is one setting. Its metadata makes the command-line flag
(``--memory-mb`` for ``memory_mb``, with the help shown by ``--help``) and says where the value
goes: into the kernels' environment (``env``: the variable's name, read back by the kernel with
:meth:`Settings.from_env`) or into nbgrader's configuration (``nbgrader``: a
traitlet, passed as ``--Class.trait=value`` by :meth:`Settings.nbgrader_args`). A kernel limit of 0
means no limit.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

KERNELS = ("warm", "fresh")


def setting(default: Any, help: str, *, env: str | None = None, nbgrader: str | None = None,
            unset: int | None = None, minimum: int = 0, choices: tuple[str, ...] | None = None) -> Any:
    """A field of :class:`Settings`: ``default`` (a callable: computed when made), ``help`` for its flag.

    ``env``: the kernel environment variable that carries it; ``unset``: what a kernel started
    without it (outside a grading run, e.g. by stock nbgrader) applies instead of the default.
    ``nbgrader``: the traitlet it sets. ``minimum``: the smallest value the flag accepts.
    """
    meta = {"help": help, "env": env, "nbgrader": nbgrader, "unset": unset, "minimum": minimum, "choices": choices}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


def cores() -> int:
    """This machine's cores: the default number of submissions graded at once."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    """How one grading run runs its kernels: parallelism, kind of kernel, and every limit a kernel has."""

    jobs: int = setting(cores, "submissions graded at once (default: this machine's cores)", minimum=1)
    timeout: int = setting(30, "seconds one cell may run", nbgrader="Execute.timeout", minimum=1)
    kernel: str = setting("warm", "warm kernels forked from a server that has imported torch, or a fresh "
                                  "interpreter per notebook", choices=KERNELS)
    memory_mb: int = setting(4096, "address space of each kernel, in MiB",
                             env="GRADING_KERNEL_MEMORY_MB", unset=0)
    cpu_seconds: int = setting(0, "CPU time of each kernel, in seconds, 0 for none",
                               env="GRADING_KERNEL_CPU_SECONDS", unset=0)
    processes: int = setting(512, "processes and threads of each kernel, when grading runs as root",
                             env="GRADING_KERNEL_PROCESSES")
    file_mb: int = setting(256, "largest file a kernel may write, in MiB", env="GRADING_KERNEL_FILE_MB")
    cell_chars: int = setting(1_000_000, "characters of output one cell keeps",
                              nbgrader="BoundedExecute.max_cell_chars")
    notebook_chars: int = setting(10_000_000, "characters of output one notebook keeps",
                                  nbgrader="BoundedExecute.max_notebook_chars")
    scratch_mb: int = setting(512, "size of each kernel's scratch (its /tmp, /dev/shm and working copy "
                                   "together), in MiB", env="GRADING_KERNEL_SCRATCH_MB")
    scratch_files: int = setting(10_000, "files and folders each kernel's scratch may hold",
                                 env="GRADING_KERNEL_SCRATCH_FILES")

    @staticmethod
    def flag(name: str) -> str:
        """The command-line flag of a setting: ``memory_mb`` -> ``--memory-mb``."""
        return "--" + name.replace("_", "-")

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, **defaults: Any) -> None:
        """Add a flag with its help for every setting to ``parser``; ``defaults`` replace some defaults there."""
        made = cls(**defaults)
        for f in fields(cls):
            default, help = getattr(made, f.name), f.metadata["help"]
            if f.name in defaults or "(default" not in help:
                help = f"{help} (default: {default})"
            if f.metadata["choices"]:
                parser.add_argument(cls.flag(f.name), choices=f.metadata["choices"], default=default, help=help)
            else:
                parser.add_argument(cls.flag(f.name), type=at_least(f.metadata["minimum"]), default=default,
                                    metavar=f.name.rpartition("_")[2].upper() if "_" in f.name else "N", help=help)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """The settings parsed by a parser that :meth:`add_arguments` equipped."""
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls)})

    def kernel_env(self) -> dict[str, str]:
        """The kernels' environment variables that carry these limits."""
        return {f.metadata["env"]: str(getattr(self, f.name)) for f in fields(self) if f.metadata["env"]}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The limits as a kernel reads them from its environment (:meth:`kernel_env`); one it does not
        carry is the default, or, for a limit with ``unset``, that (a kernel started outside a run)."""
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            if name:
                fallback = f.metadata["unset"] if f.metadata["unset"] is not None else getattr(defaults, f.name)
                values[f.name] = int(env.get(name) or fallback)
        return cls(**values)

    def nbgrader_args(self) -> list[str]:
        """nbgrader's command-line arguments that carry these settings (``--Execute.timeout=30``, ...)."""
        return [f"--{f.metadata['nbgrader']}={getattr(self, f.name)}" for f in fields(self) if f.metadata["nbgrader"]]


def at_least(minimum: int) -> Any:
    """An argparse type: a whole number no smaller than ``minimum``."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return whole
