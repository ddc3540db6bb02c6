from django.apps import AppConfig


class NegotiationConfig(AppConfig):
    name = "relance.negotiation"
    label = "negotiation"
    verbose_name = "negotiation"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.negotiation import models as m

        for model in (
            m.Dispute,
            m.DisputeItem,
            m.Promise,
            m.PaymentPlan,
            m.Instalment,
            m.Settlement,
            m.NegotiationMargin,
            m.PortalMargin,
            m.ApprovalRequest,
            m.CallLog,
            m.Note,
            m.PenaltyWaiver,
        ):
            auditlog.register(model)
        auditlog.register(m.PlanAgreement, exclude_fields=["pdf"])

        from relance.dunning.services import FIRMER_AFTER
        from relance.negotiation import reminders
        from relance.negotiation.escalation import broken_or_breached

        reminders.register()

        # The daily tick (relance.dunning.tick): disputes paid meanwhile are resolved and
        # promises, plans and settlements judged before the day's run, whose pauses it reads.
        from relance.dunning.tick import register_daily
        from relance.negotiation.daily import evaluate, resolve_paid_disputes

        register_daily("negotiation.disputes", resolve_paid_disputes, before_plan=True)
        register_daily("negotiation.evaluate", evaluate, before_plan=True)

        # Worklist lines and timeline events that other apps' objects make (sources.py).
        from django.utils.translation import gettext_lazy

        from relance.negotiation import sources, timeline, worklist

        worklist.register("reply", gettext_lazy("replies to handle"), sources.replies_to_handle)
        worklist.register(
            "legal_deadline", gettext_lazy("legal deadlines"), sources.legal_deadlines
        )
        timeline.register({"reply": gettext_lazy("replies")}, sources.replies)
        timeline.register({"portal": gettext_lazy("portal")}, sources.portal)
        if broken_or_breached not in FIRMER_AFTER:
            FIRMER_AFTER.append(broken_or_breached)
