"""The worker sending N planned emails to a local SMTP server (aiosmtpd) in a child process.

The server runs in its own process, as a mail server would: in the worker's process its
thread would take turns with the worker for the interpreter lock and its parsing of each
message would be counted as the worker's time.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection

from relance.bench.measure import peak_rss_mb
from relance.channels.email.sink import Sink, free_port, smtp_settings


def setup(n: int, as_of: date) -> int:
    """A creditor, N customers with one contact and one overdue invoice each; the run planned."""
    from relance.core.bulk import bulk_insert
    from relance.creditors.models import Creditor
    from relance.customers.models import Contact, Customer
    from relance.dunning.services import plan_run
    from relance.ledger.models import Invoice

    creditor = Creditor.objects.create(
        legal_name="Bench SAS", siren="732829320", email="compta@bench.example", city="Lyon"
    )
    bulk_insert(
        Customer,
        (
            {"creditor_id": creditor.pk, "external_ref": f"C{i:07d}", "legal_name": f"Client {i}"}
            for i in range(n)
        ),
    )
    ids = list(
        Customer.objects.filter(creditor=creditor).order_by("pk").values_list("pk", flat=True)
    )
    bulk_insert(
        Contact,
        (
            {"customer_id": pk, "last_name": "Martin", "email": f"compta{pk}@client.example"}
            for pk in ids
        ),
    )
    bulk_insert(
        Invoice,
        (
            {
                "creditor_id": creditor.pk,
                "customer_id": pk,
                "number": f"F-{pk}",
                "issue_date": date(as_of.year, as_of.month, 1).replace(day=1),
                "due_date": as_of.replace(day=max(1, as_of.day - 1)),
                "currency": "EUR",
                "total_incl_tax_minor": 120000,
            }
            for pk in ids
        ),
    )
    plan_run(creditor, as_of)
    return creditor.pk


def _serve(port: int, conn: Connection) -> None:
    """Child process: an SMTP sink on `port` until told to stop; then its Message-IDs."""
    from aiosmtpd.controller import Controller

    inbox = Sink()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    conn.send("ready")
    conn.recv()
    controller.stop()
    conn.send(inbox.message_ids)


def run(n_messages: int, as_of: date = date(2025, 12, 31)) -> dict[str, object]:
    from django.conf import settings

    from relance.dunning.models import Action, ActionStatus
    from relance.dunning.outbox import dispatch

    t0 = time.perf_counter()
    setup(n_messages, as_of)
    setup_s = time.perf_counter() - t0
    port = free_port()
    for name, value in smtp_settings(port).items():
        setattr(settings, name, value)
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, theirs))
    server.start()
    try:
        if not ours.poll(60) or ours.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        t0 = time.perf_counter()
        c0 = time.process_time()
        counts = dispatch(now=datetime(as_of.year, as_of.month, as_of.day, 9, tzinfo=UTC))
        seconds = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
    finally:
        ours.send("stop")
        message_ids: list[str] = ours.recv() if ours.poll(60) else []
        server.join(10)
    sent = Action.objects.filter(status=ActionStatus.SENT).count()
    unique = len(set(message_ids))
    return {
        "messages": n_messages,
        "seconds": round(seconds, 2),
        "messages_per_s": round(sent / seconds, 1) if seconds else None,
        "worker_cpu_s": round(cpu_s, 2),
        "sent": sent,
        "delivered": len(message_ids),
        "unique_message_ids": unique,
        "outcomes": dict(counts),
        "setup_s": round(setup_s, 2),
        "peak_rss_mb": peak_rss_mb(),
    }
