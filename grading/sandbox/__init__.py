"""The trust boundary: everything that launches, confines or runs inside a student's grading kernel.

Code outside this package never runs in a kernel, and code in it treats whatever a kernel says
as hostile: ``confine`` and ``warden`` build the sandbox, ``kernel`` is a kernel's entry point,
``forkserver``/``launch``/``protocol`` make warm kernels, ``kernelspecs`` names both kinds to
jupyter_client, ``channel`` bounds what comes back, and ``probe`` is the one module of ours a
kernel runs. Kept free of imports: a kernel imports this package before it is confined.
"""
