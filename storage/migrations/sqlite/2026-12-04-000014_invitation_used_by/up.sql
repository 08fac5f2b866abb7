-- Who redeemed a link (issue 15): a room invitation opened again by the account that
-- used it leads to the room, on any device. No foreign key: a registration marks its
-- link used before the new account's row exists, in the same transaction.
ALTER TABLE invitations ADD COLUMN used_by TEXT;
