-- What the server sees (issue 12, item 5): a room's name is often the client's name,
-- personal health information, so it moves into room state sealed on members' devices.
-- `sealed_state` is that opaque record (its clear header names the room, the era key
-- sealing it, the author and the revision); `state_revision` orders the versions.
-- Names of rooms made before this stay in `legacy_name` only until a team member's
-- client seals them; the write that stores the first sealed state clears it.
ALTER TABLE rooms ADD COLUMN sealed_state BYTEA;
ALTER TABLE rooms ADD COLUMN state_revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rooms RENAME COLUMN display_name TO legacy_name;
ALTER TABLE rooms ALTER COLUMN legacy_name DROP NOT NULL;

-- Who a room invitation is for, sealed under a key derived from the link's token
-- (the database holds only the token's hash). Names already stored in clear for room
-- invitations are forgotten: the invitee types their name when registering.
ALTER TABLE invitations ADD COLUMN sealed_invitee_name BYTEA;
UPDATE invitations SET invitee_name = NULL WHERE kind = 'room';
