//! A care team through the native client, for the care-content suites: a doctor who
//! owns a client's room, a nurse in both channels and a family member in the family
//! channel, all registered with password + software authenticator and synced.

use std::path::{Path, PathBuf};

use anyhow::Result;
use kizuna_client::{Client, RoomId, RoomRole};
use kizuna_server::config::Config;
use tempfile::TempDir;

use crate::accounts::GOOD_PASSWORD;
use crate::{BlobKind, DbKind, TestServer, ORIGIN};

/// The server and the three people.
pub struct Team {
    /// The server.
    pub server: TestServer,
    /// Everyone's state files.
    pub dir: TempDir,
    /// The client's room.
    pub room: RoomId,
    /// The room's owner.
    pub doctor: Client,
    /// A professional member (team + family channels).
    pub nurse: Client,
    /// A family member (family channel only).
    pub family: Client,
}

fn state_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.kizuna"))
}

/// A stored blob's bytes, read back from the store behind the API.
pub async fn blob_bytes(store: &kizuna_storage::BlobStore, id: kizuna_proto::BlobId) -> Result<Vec<u8>> {
    let (_, mut stream) = store.get_stream(id).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        bytes.extend_from_slice(&chunk?);
    }
    Ok(bytes)
}

/// The care fixture used by most tests.
pub const FIXTURE_PHOTO: &str = "wound-12mp-exif-gps.jpg";

/// A file from the repository's `testdata/`.
pub fn testdata(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Team {
    /// A server with `adjust` applied to its configuration, and the team in the room.
    pub async fn start(db: DbKind, blobs: BlobKind, adjust: impl FnOnce(&mut Config)) -> Result<Self> {
        let server = TestServer::start_with(db, blobs, adjust).await?;
        let admin = server.bootstrap_admin().await?;
        let org = server.organisation(&admin, "Clinic", "clinic", None).await?;
        let link = server.invite_staff(&admin, &org, "dr.tanaka", "doctor").await?;
        let dir = tempfile::tempdir()?;
        let mut doctor = Client::create(&state_path(dir.path(), "dr.tanaka"), &server.url, ORIGIN)?;
        doctor
            .register(&link, "dr.tanaka", GOOD_PASSWORD, Some("Dr Tanaka"))
            .await?;
        let room = doctor.create_room(org.parse()?, "Suzuki-san").await?.id;
        let mut team = Self {
            nurse: Self::join(
                &server,
                dir.path(),
                &doctor,
                room,
                "nurse.sato",
                RoomRole::Professional,
            )
            .await?,
            family: Self::join(
                &server,
                dir.path(),
                &doctor,
                room,
                "family.suzuki",
                RoomRole::Family,
            )
            .await?,
            server,
            dir,
            room,
            doctor,
        };
        let report = team.doctor.refresh().await?;
        anyhow::ensure!(report.problems.is_empty(), "{:?}", report.problems);
        team.nurse.sync().await?;
        team.family.sync().await?;
        Ok(team)
    }

    async fn join(
        server: &TestServer,
        dir: &Path,
        inviter: &Client,
        room: RoomId,
        name: &str,
        role: RoomRole,
    ) -> Result<Client> {
        let invitation = inviter.invite(room, name, role).await?;
        let mut person = Client::create(&state_path(dir, name), &server.url, ORIGIN)?;
        person
            .register(&invitation.link, name, GOOD_PASSWORD, None)
            .await?;
        Ok(person)
    }
}
