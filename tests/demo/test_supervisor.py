"""demo.supervisor with tiny real child processes: restart with backoff, give up, bounded stop."""
import signal
import sys
import threading
import time

from demo.supervisor import Child, Supervisor

EXIT_AT_ONCE = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
IGNORE_TERM = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
               "print('ready', flush=True); time.sleep(60)"]


def _supervisor(children, **options) -> tuple[Supervisor, list[str]]:
    lines: list[str] = []
    return Supervisor(children=children, log=lines.append, poll_s=0.02, **options), lines


def _delays(lines: list[str]) -> list[float]:
    return [float(line.rsplit("restarting in ", 1)[1].split()[0]) for line in lines if "restarting in" in line]


def test_a_child_that_keeps_failing_is_restarted_then_given_up_and_everything_stops():
    supervisor, lines = _supervisor([Child("flaky", EXIT_AT_ONCE), Child("calm", SLEEP)], backoff_s=0.01,
                                    max_quick_failures=4)
    assert supervisor.run() == "flaky keeps failing"
    assert len(_delays(lines)) == 3 and sum("flaky: restarted (restart" in line for line in lines) == 3
    assert "exited with 3" in lines[0] and any("giving up and stopping everything" in line for line in lines)
    assert supervisor.children[1].process.returncode == -signal.SIGTERM


def test_the_backoff_doubles_up_to_its_cap():
    supervisor, lines = _supervisor([Child("flaky", EXIT_AT_ONCE)], backoff_s=0.01, max_backoff_s=0.04,
                                    max_quick_failures=6)
    supervisor.run()
    assert _delays(lines) == [0.01, 0.02, 0.04, 0.04, 0.04]


def test_a_signal_stops_the_children_and_a_child_ignoring_sigterm_is_killed_after_the_grace():
    stubborn = Child("stubborn", IGNORE_TERM)
    supervisor, lines = _supervisor([Child("calm", SLEEP), stubborn], grace_s=1.0)
    supervisor._running = True  # as run() sets it; no handler is installed in the test process
    threading.Timer(1.5, supervisor._on_signal, args=(signal.SIGTERM, None)).start()
    started = time.monotonic()
    assert supervisor.run() == "SIGTERM"
    assert time.monotonic() - started < 6
    assert any("stubborn: still running after 1 s; killing it" in line for line in lines)
    assert stubborn.process.returncode == -signal.SIGKILL
    assert supervisor.children[0].process.returncode == -signal.SIGTERM


def test_a_second_signal_keeps_the_first_reason():
    supervisor, _ = _supervisor([])
    supervisor._running = True
    supervisor._on_signal(signal.SIGTERM, None)
    supervisor._on_signal(signal.SIGINT, None)
    assert supervisor.stop_reason == "SIGTERM"
