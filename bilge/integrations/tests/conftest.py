"""A real HTTP receiver in a thread (the webhook's target) and helpers around the service desk."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bilge.servicedesk.tests import conftest as servicedesk_conftest

desk = servicedesk_conftest.desk  # the service-desk fixture, reused


class Receiver:
    """Records every request; answers with the scripted codes in order, then ``default``.
    A scripted answer may be ``(code, {header: value})``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list = []
        self.default = 200
        self.delay = 0.0
        self.port = 0
        self.lock = threading.Lock()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def deliveries(self) -> list[str]:
        return [r["headers"]["x-bilge-delivery"] for r in self.requests]


@pytest.fixture
def receiver():
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with rec.lock:
                rec.requests.append({"path": self.path, "method": "POST", "body": body,
                                     "headers": {k.lower(): v for k, v in self.headers.items()}})
                answer = rec.script.pop(0) if rec.script else rec.default
            if rec.delay:
                time.sleep(rec.delay)
            code, headers = answer if isinstance(answer, tuple) else (answer, {})
            reply = b'{"received": true}' if code < 300 else b"receiver trouble"
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(desk, receiver):
    """An active webhook of the test institution on every event, pointing at the receiver."""
    from bilge.core.events import EVENTS
    from bilge.integrations.models import Webhook

    return Webhook.objects.create(institution=desk["institution"], name="Olay yolu", url=receiver.url(),
                                  events=list(EVENTS))


@pytest.fixture
def new_ticket(desk):
    def create(title="Yazıcı kağıt sıkıştırıyor", user="cagri", **kw):
        from bilge.servicedesk import services

        person = desk["people"][user]
        return services.create_ticket(desk["users"][user], requester=person, request_type=kw.pop("type", desk["printer"]),
                                      title=title, description="Kat 3, oda 12; Çağrı Öztürk'ün masası",
                                      answers={"printer": "HP 4250"}, **kw)

    return create
