"""Hand-offs: an approved request sent to the team's own tool through an outgoing webhook
(Zapier, Make, n8n, Buffer, Hootsuite, HubSpot...), as signed JSON, retried durably.

- ``signing``: the HMAC-SHA256 signature and its headers, and how a receiver checks them;
- ``sender``: :class:`WebhookSender` queues a delivery as a job (bot/jobs, arq on Redis), posts
  it, retries with backoff while the receiver fails, and logs every attempt in the decision log.
"""

__all__ = ["sender", "signing"]
