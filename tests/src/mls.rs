//! Real MLS devices for server-level tests: a person's device registered over HTTP
//! with a real signature key and real key packages, channel groups created from a
//! real GroupInfo, commits made by openmls, posts sealed by the crypto core. (The
//! end-to-end suites go through the native client instead; these drive the server's
//! delivery API directly so that every refusal can be provoked.)

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::{
    seal, ChannelMember, ContentType, DeviceIdentity, DeviceSigningKey, EraKey, MlsDevice, PostEnvelope,
    PostHeader,
};
use kizuna_proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use serde_json::{json, Value};

use crate::accounts::Person;
use crate::TestServer;

/// A registered device with its MLS state.
pub struct TestDevice {
    /// Its ID on the server.
    pub id: DeviceId,
    /// Its owner.
    pub user: UserId,
    /// Its MLS state.
    pub mls: MlsDevice,
    /// Its signature key (also in its MLS credential).
    pub key: DeviceSigningKey,
}

/// The MLS group ID the server requires for a room channel.
pub fn group_id(room: &str, channel: &str) -> String {
    format!("{room}/{channel}")
}

fn parse<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse::<T>()
        .map_err(|_| anyhow::anyhow!("not an ID: {text}"))
}

impl TestDevice {
    /// Registers a device for `person` and uploads `packages` one-time key packages.
    pub async fn register(server: &TestServer, person: &Person, seed: u64, packages: usize) -> Result<Self> {
        let mut rng = TestRandom::new(seed);
        let key = DeviceSigningKey::generate(&mut rng);
        let body = json!({ "name": "test device", "signature_key": STANDARD.encode(key.verifying_key().to_bytes()) });
        let (status, device) = server.post("/api/v1/devices", Some(&person.token), body).await?;
        if status != 200 {
            bail!("device refused: {status} {device}");
        }
        let id: DeviceId = parse(device["id"].as_str().context("id")?)?;
        let user: UserId = parse(&person.user_id)?;
        let identity = DeviceIdentity::from_signing_key(user, id, key.clone());
        let mls = MlsDevice::new(identity);
        let device = Self { id, user, mls, key };
        if packages > 0 {
            device.upload_key_packages(server, person, packages).await?;
        }
        Ok(device)
    }

    /// Uploads `n` one-time key packages.
    pub async fn upload_key_packages(&self, server: &TestServer, person: &Person, n: usize) -> Result<()> {
        let packages: Vec<Value> = self
            .mls
            .generate_key_packages(n, false)?
            .into_iter()
            .map(|p| {
                let id: String = p.id.iter().map(|b| format!("{b:02x}")).collect();
                json!({ "id": id, "body": STANDARD.encode(&p.bytes) })
            })
            .collect();
        let (status, left) = server
            .post(
                &format!("/api/v1/devices/{}/key-packages", self.id),
                Some(&person.token),
                json!({ "packages": packages }),
            )
            .await?;
        if status != 200 {
            bail!("key packages refused: {status} {left}");
        }
        Ok(())
    }

    /// Creates a room channel's group with this device as its only member and
    /// registers it with the server: the member and the server's answer.
    pub async fn create_group(
        &self,
        server: &TestServer,
        person: &Person,
        room: &str,
        channel: &str,
    ) -> Result<(ChannelMember, (u16, Value))> {
        let id = group_id(room, channel);
        let (member, info) = self.mls.create_group(id.as_bytes())?;
        let answer = server
            .post(
                &format!("/api/v1/rooms/{room}/channels/{channel}/group"),
                Some(&person.token),
                json!({ "group_id": id, "group_info": STANDARD.encode(info) }),
            )
            .await?;
        Ok((member, answer))
    }

    /// Seals a note into a post for `room`/`channel` under `era`, authored by this device.
    pub fn post(&self, room: &str, channel: Channel, era: &EraKey, text: &str, seed: u64) -> Result<Vec<u8>> {
        let mut rng = TestRandom::new(seed);
        let header = PostHeader {
            room: parse::<RoomId>(room)?,
            channel,
            era: era.id(),
            post: PostId::from_uuid(uuid::Uuid::new_v4()),
            author_user: self.user,
            author_device: self.id,
            sent_at: Timestamp(1_795_633_800_000),
        };
        let note = PostEnvelope::new(ContentType::Note, text);
        Ok(seal(header, &note, era, &self.key, &mut rng)?.to_bytes())
    }
}

/// Claims key packages of `target`'s devices as `claimer`.
pub async fn claim(server: &TestServer, claimer: &Person, target: &Person) -> Result<Vec<Vec<u8>>> {
    let (status, claimed) = server
        .post(
            &format!("/api/v1/users/{}/key-packages/claim", target.user_id),
            Some(&claimer.token),
            json!({}),
        )
        .await?;
    if status != 200 {
        bail!("claim refused: {status} {claimed}");
    }
    claimed
        .as_array()
        .context("list")?
        .iter()
        .map(|c| Ok(STANDARD.decode(c["key_package"].as_str().context("key_package")?)?))
        .collect()
}

/// Sends a commit (with its welcome) to the group's commit endpoint.
pub async fn send_commit(
    server: &TestServer,
    person: &Person,
    device: DeviceId,
    group: &str,
    commit: &[u8],
    welcome: Option<&[u8]>,
) -> Result<(u16, Value)> {
    server
        .post(
            &format!("/api/v1/groups/{}/commits", urlencode(group)),
            Some(&person.token),
            json!({
                "sender_device": device,
                "commit": STANDARD.encode(commit),
                "welcome": welcome.map(|w| STANDARD.encode(w)),
            }),
        )
        .await
}

/// A group ID inside a URL path (it contains a `/`).
pub fn urlencode(group: &str) -> String {
    group.replace('/', "%2F")
}
