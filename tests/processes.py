"""Real servers for tests: a private redis-server, an SMTP server (aiosmtpd), a Celery worker.

Each listens on a free port of its own, can be stopped and started again on that port (a test
takes a service down and brings it back), and is stopped by the fixture that made it. Only the
processes started here are ever signalled, by their process id.
"""
import asyncio
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"
# Set when a portal process (worker, gunicorn) starts: it writes through connections of its own,
# which this process cannot see, so the test's database reset empties every table.
spawned = False


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout, what, interval=0.05):
    """Poll `condition` until it returns something true (returned), or fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


def _stop(process, grace, signal_number=signal.SIGTERM):
    """Ask a process we started to stop; kill its process group if it will not."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal_number)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        # The leader is not reaped yet, so the group id is still ours alone.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class RedisServer:
    """A redis-server of the test's own: no persistence, so a restart starts empty, as after a crash."""

    def __init__(self, binary, log_path):
        self.binary, self.log_path = binary, log_path
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no", "--maxmemory-policy", "noeviction"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self.ping() or self.process.poll() is not None, 10, "redis-server to answer")
        if self.process.poll() is not None:
            raise AssertionError(f"redis-server exited:\n{self.log_path.read_text()}")

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self):
        """Stop the server answering while its port stays open, as a hung or unreachable Redis."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.thaw()
        _stop(self.process, grace=5)
        self.process = None


class SmtpServer:
    """An SMTP server keeping the messages it accepts. It can be down, slow in DATA, or refuse.

    Like a real mail server it keeps a message only once it answers 250: if the client goes away
    while the server is still in DATA, aiosmtpd cancels the handler and the message is dropped.
    """

    def __init__(self):
        self.port = free_port()
        self.messages = []  # email.message.EmailMessage, in arrival order
        self.delay = 0.0  # seconds to sit in DATA before answering
        self.refuse = None  # e.g. "451 4.3.0 Try again later": the answer to DATA instead of 250
        self.in_data = threading.Event()  # set when a client has sent a message's data
        self.dropped = 0  # messages abandoned by their client before the answer
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.in_data.set()
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.dropped += 1
            raise
        if self.refuse:
            return self.refuse
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def delivered(self, delivery_id):
        """Messages received for one outbox delivery (each carries its id in a header)."""
        return [m for m in self.messages if m["X-Portal-Delivery"] == str(delivery_id)]

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


class CeleryWorker:
    """`celery -A worker worker` in its own process group, configured by environment variables."""

    READY = re.compile(r"@\S+ ready\.")

    def __init__(self, env, log_path, concurrency=1):
        self.env, self.log_path, self.concurrency = env, log_path, concurrency
        self.process = None

    def start(self, timeout=60):
        global spawned
        spawned = True
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "worker", "worker", "--loglevel=info", f"--concurrency={self.concurrency}",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"the Celery worker exited with {self.process.returncode}:\n{self.log()}")
            return self.READY.search(self.log(offset))

        try:
            wait_until(ready, timeout, "the Celery worker to be ready")
        except AssertionError as error:
            self.stop()
            raise AssertionError(f"{error}\n--- worker log ---\n{self.log()}") from None

    def log(self, offset=0):
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def pool_processes(self):
        """The pool's child processes (the ones that run tasks)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill(self):
        """SIGKILL the whole worker, main process and pool, as when its machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)  # leader not reaped yet: the group is ours
        self.process.wait(timeout=10)
        self.process = None

    def kill_pool_process(self):
        """SIGKILL the pool process running the task; the main process lives on and replaces it."""
        children = self.pool_processes()
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def stop(self):
        _stop(self.process, grace=20)
        self.process = None


class Gunicorn:
    """`gunicorn 'wsgi:create_app()'` with several workers on a free port, configured by environment variables."""

    def __init__(self, env, log_path, workers=2):
        self.env, self.log_path, self.workers = env, log_path, workers
        self.port, self.process = free_port(), None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        global spawned
        spawned = True
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                # --preload: the app is loaded before the fork, so every worker is ready at once.
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "--preload", "--workers", str(self.workers), "--bind",
                 f"127.0.0.1:{self.port}", "--access-logfile", "-", "--access-logformat", "access %(p)s %(m)s %(U)s %(s)s",
                 "wsgi:create_app()"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def listening():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        wait_until(listening, timeout, "gunicorn to listen")

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def served(self):
        """(worker pid, method, path, status) of each request, from the access log."""
        return re.findall(r"^access <(\d+)> (\S+) (\S+) (\d+)$", self.log(), re.M)

    def stop(self):
        _stop(self.process, grace=20, signal_number=signal.SIGINT)  # quick: no wait for browsers' idle connections
        self.process = None
