"""A real SMTP server for the tests (aiosmtpd, in a thread of the test
process): it records the Message-ID of every message it accepts, can refuse
the next `refuse` messages with a transient error, and can be slow."""

import asyncio
import logging
import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.received = []  # (Message-ID, email.message.Message)
        self.refuse = 0
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Mailbox temporarily unavailable, try again later"
            message = message_from_bytes(envelope.content)
            self.received.append((message["Message-ID"], message))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message_id for message_id, _message in self.received]


class Sink:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
