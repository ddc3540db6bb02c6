from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "relance.portal"
    label = "portal"
    verbose_name = "debtor portal"

    def ready(self) -> None:
        # Every change made through the ORM to links, requests, proposals, checkouts and
        # payment accounts leaves an audit event (who, when, what); portal events are the
        # debtor's own trail.
        from auditlog.registry import auditlog

        from relance.portal import models as m

        auditlog.register(m.PortalLink, exclude_fields=["token_hash", "nonce"])
        # the credentials never reach the audit log: `credentials_changed_at` records a change
        auditlog.register(m.PaymentAccount, exclude_fields=["secret_key", "webhook_secret"])
        for model in (m.PortalRequest, m.ContactProposal, m.Checkout):
            auditlog.register(model)
