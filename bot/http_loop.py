"""waitress's event loop on one `epoll` set that lasts, so that idle connections cost nothing per turn.

waitress reads every request on one loop before a thread sees it (why it is the server: `bot/serve.py`). Its
`poll` loop builds a new poll set on every turn, asking every connection whether it wants to read or write: with
200 half-open connections held against the app, each turn cost ~0.1 ms of Python holding the GIL, several turns
an ack, and the acks of a burst came 1.9 times later than a bare Bolt app's (`bench.ack_floor`, issue 23).

Here the set lasts, and on each turn only the connections that may have changed are asked again: those that had
an event, those not simply waiting for a request (a request in service, an answer to send, closing), new ones,
and the server's own (its listening socket, which also closes silent connections every `cleanup_interval`, and
its wake-up pipe). An idle connection changes only by an event of its own or by that clean-up, after which all
are asked. What is asked, and what is done with an event, is waitress's own (`readable`, `writable`,
`readwrite`), so the loop behaves as waitress's does.

Used as the server's `asyncore` (`install`), which waitress's `run` calls `loop` on; Linux only (`epoll`),
elsewhere waitress's own loop runs.
"""

from __future__ import annotations

import contextlib
import select
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

IDLE = select.POLLIN | select.POLLPRI
"""What a connection waiting for its next request asks for: it stays so until an event of its own."""


class EpollLoop:
    """One server's loop (`install`); `asked` counts the `readable`/`writable` questions, for tests."""

    def __init__(self, server: BaseWSGIServer) -> None:
        self._server = server
        self._epoll = select.epoll()
        self._known: dict[int, tuple[Any, int]] = {}
        """fd → (its object, the flags it asked for last); an fd asking for nothing is not in the epoll set."""
        self._own: set[int] = set()
        """The server's own fds (its listening socket, its wake-up pipe): asked on every turn, as waitress does."""
        self._changing: set[int] = set()
        """Connections to ask again on the next turn: not idle, or had an event."""
        self.asked = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(wasyncore, name)  # waitress reaches other helpers through `server.asyncore` too

    def loop(
        self, timeout: float = 30.0, use_poll: bool = False, map: dict[int, Any] | None = None, count: Any = None
    ) -> None:
        """waitress's `wasyncore.loop`, with the same arguments; runs until the map is empty."""
        del use_poll, count
        assert map is not None
        try:
            while map:
                self._turn(map, timeout)
        finally:
            self._epoll.close()

    def _turn(self, map: dict[int, Any], timeout: float) -> None:
        self._update(map)
        accepted = False
        for fd, flags in self._epoll.poll(timeout):
            obj = map.get(fd)
            if obj is not None:
                accepted = accepted or obj is self._server
                wasyncore.readwrite(obj, flags)
            self._changing.add(fd)
        if accepted:
            self._renumbered(map)

    def _renumbered(self, map: dict[int, Any]) -> None:
        """After accepting: a connection waitress closed off the loop (a worker thread's failed send) may have
        left its number to a new one, which no event of the old told the loop about."""
        known = self._known
        self._changing.update(fd for fd, obj in map.items() if fd in known and known[fd][0] is not obj)

    def _update(self, map: dict[int, Any]) -> None:
        known = self._known
        for fd in known.keys() - map.keys():  # closed since the last turn
            self._forget(fd)
        self._changing.update(map.keys() - known.keys())  # new
        cleanup_at = getattr(self._server, "next_channel_cleanup", None)
        for fd in list(self._own):
            self._ask(fd, map.get(fd))
        if getattr(self._server, "next_channel_cleanup", None) != cleanup_at:  # silent connections were marked
            self._changing.update(map.keys())
        asking, self._changing = self._changing - self._own, set()
        for fd in asking:
            self._ask(fd, map.get(fd))

    def _ask(self, fd: int, obj: Any) -> None:
        known = self._known.get(fd)
        if known is not None and known[0] is not obj:  # closed, and perhaps its number taken by a new one
            self._forget(fd)
            known = None
        if obj is None:
            return
        if not isinstance(obj, HTTPChannel):
            self._own.add(fd)
        self.asked += 1
        flags = 0
        if obj.readable():
            flags |= IDLE
        if obj.writable() and not obj.accepting:
            flags |= select.POLLOUT
        if flags != IDLE:
            self._changing.add(fd)
        before = known[1] if known is not None else 0
        if flags == before:
            if known is None:
                self._known[fd] = (obj, 0)
            return
        try:
            if before and flags:
                self._epoll.modify(fd, flags)
            elif flags:
                self._epoll.register(fd, flags)
            else:
                with contextlib.suppress(OSError):
                    self._epoll.unregister(fd)
        except OSError:  # closed meanwhile, off the loop: asked again on the next turn, as a new one if renumbered
            self._forget(fd)
            self._changing.add(fd)
            return
        self._known[fd] = (obj, flags)

    def _forget(self, fd: int) -> None:
        known = self._known.pop(fd, None)
        self._own.discard(fd)
        if known is not None and known[1]:
            with contextlib.suppress(OSError):  # a closed socket has left the set already
                self._epoll.unregister(fd)


def install(server: BaseWSGIServer) -> None:
    """Make `server.run()` use `EpollLoop` (where the platform has `epoll`)."""
    if hasattr(select, "epoll"):
        server.asyncore = EpollLoop(server)  # type: ignore[assignment]  # waitress types it as its module
