"""Run a few child processes, restart the ones that die, and stop them all cleanly. Standard library only.

What `serve_local` (`make run`) needs from a process supervisor:
- every child runs in its own session (a Ctrl-C in the terminal must not hit the worker mid-task;
  stopping children is the supervisor's job) and gets SIGTERM from the kernel when the supervisor
  dies, however it dies (Linux `PR_SET_PDEATHSIG`, set in the child before it execs);
- SIGINT, SIGTERM and SIGHUP only set a flag; the main loop then stops every child: SIGTERM to its
  main process (Celery's warm shutdown, runserver's exit), a grace period, then SIGKILL to whatever
  of its process group is left. A second signal during the stop changes nothing, so nothing is left behind;
- when the supervisor's own parent dies (the terminal or `make` went away) it stops the same way;
- a child that exits on its own is restarted after a backoff (1 s, doubling to 30 s; back to 1 s
  after it ran a minute), logged; after `max_quick_failures` exits in a row each within
  `quick_failure_s` of its start, the supervisor gives up and stops everything.
"""
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `signum` to this process when its parent dies (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        return


@dataclass
class Child:
    """One supervised command line and its current process."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    quick_failures: int = 0  # exits in a row within quick_failure_s of starting
    failures: int = 0  # exits in a row within healthy_after_s of starting: the backoff's exponent
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command lines, no shell
            self.argv, env=self.env, start_new_session=True, preexec_fn=die_with_parent  # noqa: PLW1509
        )
        self.started_at, self.restart_at = time.monotonic(), None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    children: list[Child]
    log: Callable[[str], None] = print
    grace_s: float = 8.0
    poll_s: float = 0.2
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    healthy_after_s: float = 60.0
    quick_failure_s: float = 10.0
    max_quick_failures: int = 5
    stop_reason: str | None = field(default=None, init=False)
    _parent: int = field(default=0, init=False)
    _running: bool = field(default=False, init=False)

    def install_signal_handlers(self) -> None:
        """Before any child starts: a signal that arrives during start-up must still stop what started.

        Until `run` begins, a stop signal also raises KeyboardInterrupt (nothing has started that
        could be left behind, and a long migration or demo seeding should not have to finish first).
        """
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        self._parent = os.getppid()
        die_with_parent(signal.SIGTERM)
        if os.getppid() != self._parent:  # the parent died before the kernel was asked to tell us
            self.stop_reason = "parent exited"

    def _on_signal(self, signum, frame) -> None:
        if self.stop_reason is None:
            self.stop_reason = signal.Signals(signum).name
            if not self._running:
                raise KeyboardInterrupt(self.stop_reason)

    def run(self) -> str:
        """Start every child, keep them running until asked to stop, then stop them; the reason."""
        self._running = True
        for child in self.children:
            if self.stop_reason is None:
                child.start()
        while self.stop_reason is None:
            if self._parent and os.getppid() != self._parent:
                self.stop_reason = "parent exited"
                break
            for child in self.children:
                self._tend(child)
            time.sleep(self.poll_s)
        self.stop_all()
        return self.stop_reason

    def _tend(self, child: Child) -> None:
        if self.stop_reason is not None or child.process is None:
            return
        if child.restart_at is not None:
            if time.monotonic() >= child.restart_at:
                child.restarts += 1
                child.start()
                self.log(f"{child.name}: restarted (restart {child.restarts}), pid {child.pid}")
            return
        code = child.process.poll()
        if code is None:
            return
        _kill_group(child.process.pid, signal.SIGKILL)  # what the dead child left of its group (pool processes)
        ran = time.monotonic() - child.started_at
        child.quick_failures = child.quick_failures + 1 if ran < self.quick_failure_s else 0
        if child.quick_failures >= self.max_quick_failures:
            self.log(f"{child.name}: exited with {code} {child.quick_failures} times in a row within "
                     f"{self.quick_failure_s:.0f} s of starting; giving up and stopping everything")
            self.stop_reason = f"{child.name} keeps failing"
            return
        child.failures = child.failures + 1 if ran < self.healthy_after_s else 1
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (child.failures - 1))
        child.restart_at = time.monotonic() + delay
        self.log(f"{child.name}: pid {child.pid} exited with {code} after {ran:.0f} s; restarting in {delay:g} s")

    def stop_all(self) -> None:
        """SIGTERM every child's group, wait out the grace period, SIGKILL what is left; log exit codes."""
        live = [child for child in self.children if child.running()]
        began = time.monotonic()
        self.log(f"stopping ({self.stop_reason}): " + ", ".join(f"{c.name} pid {c.pid}" for c in live))
        for child in live:
            # The child's main process only: Celery's warm shutdown stops its own pool (a SIGTERM to
            # the pool processes would kill their tasks and stall the shutdown).
            _kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        while any(child.running() for child in live) and time.monotonic() < deadline:
            time.sleep(0.05)
        for child in live:
            if child.running():
                self.log(f"{child.name}: still running after {self.grace_s:.0f} s; killing it")
                _kill_group(child.pid, signal.SIGKILL)
                child.process.wait(timeout=10)
            _kill_group(child.pid, signal.SIGKILL)  # anything of its group that outlived it
            self.log(f"{child.name}: exited with {child.process.returncode} after {time.monotonic() - began:.1f} s")


def _kill(pid: int | None, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError, TypeError):
        return


def _kill_group(pgid: int | None, signum: int) -> None:
    if pgid is None:
        return
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return
