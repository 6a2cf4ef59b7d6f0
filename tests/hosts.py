"""Test hosts that share nothing but the network: Linux network namespaces joined by veth pairs to
a bridge, and private PostgreSQL, Redis and S3-protocol servers listening only on the bridge.

Inside a namespace 127.0.0.1 is that namespace's own loopback, so a process there cannot reach the
machine's shared PostgreSQL or Redis even by mistake: everything it uses crosses the bridge.
Everything made here is undone by `close()`, which tests call in a `finally`.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.storage import S3Server

ROOT = Path(__file__).resolve().parent.parent


def multi_host_unavailable() -> str | None:
    """Why namespaces cannot be made here (the reason to skip with), or None."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    for tool in ("ip", "runuser", "redis-server"):
        if shutil.which(tool) is None:
            return f"needs `{tool}` on PATH"
    if not _postgres_bin("initdb"):
        return "needs PostgreSQL's server binaries (initdb, pg_ctl)"
    return None


def _postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, timeout=60, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}"[-3000:])


def _wait_port(host: str, port: int, *, timeout: float, what: str, process: subprocess.Popen | None = None,
               log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited early:\n{log.read_text()[-3000:] if log else ''}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on {host}:{port} within {timeout:.0f}s")


class Network:
    """A bridge in the root namespace (10.<a>.<b>.1/24) and one namespace per host name."""

    def __init__(self, hosts: list[str]):
        tag = os.getpid() % 10000
        self.prefix = f"10.{200 + tag % 50}.{tag // 50 % 250}"
        self.gateway = f"{self.prefix}.1"
        self.bridge = f"tmb{tag}"
        self.namespaces: dict[str, str] = {}
        self.addresses: dict[str, str] = {}
        self._made_bridge = False
        try:
            _run("ip", "link", "add", self.bridge, "type", "bridge")
            self._made_bridge = True
            _run("ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            _run("ip", "link", "set", self.bridge, "up")
            for index, host in enumerate(hosts):
                self._add_host(host, index, tag)
        except BaseException:
            self.close()
            raise

    def _add_host(self, host: str, index: int, tag: int) -> None:
        namespace, outside, inside = f"tm{tag}-{host}", f"tv{tag}x{index}", f"tp{tag}x{index}"
        address = f"{self.prefix}.{10 + index}"
        _run("ip", "netns", "add", namespace)
        self.namespaces[host] = namespace
        _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        _run("ip", "link", "set", inside, "netns", namespace)
        _run("ip", "link", "set", outside, "master", self.bridge, "up")
        _run("ip", "netns", "exec", namespace, "ip", "addr", "add", f"{address}/24", "dev", inside)
        _run("ip", "netns", "exec", namespace, "ip", "link", "set", inside, "up")
        _run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        self.addresses[host] = address

    def close(self) -> None:
        # Deleting a namespace deletes its end of the veth pair, and with it the other end.
        for namespace in self.namespaces.values():
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=30)
        if self._made_bridge:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)


class Process:
    """A command in a host's namespace, in its own process group, its output in a log file."""

    def __init__(self, command: list[str], *, namespace: str | None, env: dict[str, str], log: Path, cwd: Path = ROOT):
        self.log = log
        self._handle = open(log, "w")  # noqa: SIM115 - closed in stop()
        prefix = ["ip", "netns", "exec", namespace] if namespace else []
        self.process = subprocess.Popen(
            [*prefix, *command], cwd=cwd, env=env, stdout=self._handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self._handle.close()


class SharedServices:
    """Private PostgreSQL, Redis and S3 server, listening only on the bridge address."""

    def __init__(self, *, address: str, folder: Path):
        self.address, self.folder = address, folder
        self.processes: list[Process] = []
        self.s3: S3Server | None = None
        self._pg_data: Path | None = None
        try:
            self._start_postgres()
            self._start_redis()
            self.s3 = S3Server(host=address, log_path=folder / "s3.log")
            self.bucket = "tastemaker-media"
            self.s3.create_bucket(self.bucket)
        except BaseException:
            self.close()
            raise

    def _start_postgres(self) -> None:
        # initdb refuses to run as root: the cluster belongs to the postgres user, in a folder of its own.
        home = Path(tempfile.mkdtemp(prefix="tm-multihost-pg-"))
        os.chmod(home, 0o755)  # noqa: S103 - the postgres user must reach its own folder
        shutil.chown(home, "postgres", "postgres")
        self._pg_home, self._pg_data = home, home / "data"
        self.pg_port = _free_port(self.address)
        _run("runuser", "-u", "postgres", "--", _postgres_bin("initdb"), "-D", str(self._pg_data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync")
        # Trust, but only from the bridge's subnet (the hosts) and the local socket.
        hba = self._pg_data / "pg_hba.conf"
        hba.write_text(f"local all all trust\nhost all all {self.address}/24 trust\n")
        shutil.chown(hba, "postgres", "postgres")
        options = (f"-c listen_addresses={self.address} -p {self.pg_port} -c unix_socket_directories={home} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        _run("runuser", "-u", "postgres", "--", _postgres_bin("pg_ctl"), "-D", str(self._pg_data), "-o", options,
             "-l", str(home / "postgres.log"), "-w", "-t", "60", "start")
        import psycopg

        with psycopg.connect(host=self.address, port=self.pg_port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=10) as connection:
            connection.execute("CREATE DATABASE tastemaker")
        self.database_url = f"postgres://postgres@{self.address}:{self.pg_port}/tastemaker"

    def _start_redis(self) -> None:
        self.redis_port = _free_port(self.address)
        redis = Process(
            ["redis-server", "--bind", self.address, "--port", str(self.redis_port), "--protected-mode", "no",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            namespace=None, env=dict(os.environ), log=self.folder / "redis.log",
        )
        self.processes.append(redis)
        _wait_port(self.address, self.redis_port, timeout=20, what="redis-server", process=redis.process,
                   log=redis.log)
        self.broker_url = f"redis://{self.address}:{self.redis_port}/0"

    def close(self) -> None:
        if self.s3 is not None:
            self.s3.stop()
        for process in self.processes:
            process.stop()
        if self._pg_data is not None and (self._pg_data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", _postgres_bin("pg_ctl"), "-D", str(self._pg_data),
                            "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        if self._pg_data is not None:
            shutil.rmtree(self._pg_home, ignore_errors=True)


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_port(host: str, port: int, *, timeout: float, what: str, process: Process) -> None:
    _wait_port(host, port, timeout=timeout, what=what, process=process.process, log=process.log)
