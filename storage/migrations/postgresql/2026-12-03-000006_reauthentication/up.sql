-- Fresh re-authentication. Keep in step with ../../sqlite.
-- When the session last proved both factors (password + authenticator): set at
-- sign-in and by /me/reauth/finish. Adding or removing an authenticator, removing a
-- device, changing the password and acting on another person's account need it to
-- be recent, so a stolen session token alone cannot lock the owner out.
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
