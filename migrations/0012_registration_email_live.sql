-- One contact e-mail, one pending or approved application (by its blind index): the approval makes the
-- contact e-mail a login, which is unique platform-wide, so a second application with the same address
-- could never be approved. The service refuses it at submit (409 contact_email_pending); this index
-- decides races between two submissions.
CREATE UNIQUE INDEX registrations_email_live ON registrations (contact_email_bidx)
  WHERE status IN ('submitted', 'approved') AND contact_email_bidx IS NOT NULL;
