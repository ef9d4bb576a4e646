-- Phone-in catering requests (SPEC §15.5): staff+ enter a request for a customer without an
-- account, who is then only the request's customer_info (name and a phone or an email).
ALTER TABLE event_requests ALTER COLUMN customer_id DROP NOT NULL;
