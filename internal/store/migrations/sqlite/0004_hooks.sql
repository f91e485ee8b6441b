-- Reserved for integrations (incoming and outgoing webhooks, bots).
SELECT 1;
