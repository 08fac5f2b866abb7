//! A care team through the native client (`kizuna-client`), end to end on SQLite and
//! PostgreSQL: everyone registers from their invitation link with a password and the
//! client's software authenticator, the doctor creates the room and brings people
//! into its channels, and what each person can read is what the product promises:
//! the team channel for professionals only, the family channel from joining on for
//! family, the whole history for professionals who join late, nothing new for
//! someone removed, and one epoch for everybody after concurrent commits.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use kizuna_client::{
    Channel, Client, ClientError, ContentType, LogEntry, OrganisationId, PostEnvelope, ReceivedPost, RoomId,
    RoomRole,
};
use kizuna_tests::accounts::GOOD_PASSWORD;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};
use tempfile::TempDir;

/// A server, a directory for everyone's state files, and the doctor's room.
struct Setup {
    server: TestServer,
    dir: TempDir,
    room: RoomId,
}

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

fn texts(posts: &[ReceivedPost]) -> Vec<&str> {
    posts.iter().map(|p| p.envelope.body.as_str()).collect()
}

fn state_path(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("{name}.kizuna"))
}

/// The doctor registers through the client from a staff link and creates a room.
async fn setup(kind: DbKind) -> Result<(Setup, Client)> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let org = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let link = server.invite_staff(&admin, &org, "dr.tanaka", "doctor").await?;
    let dir = tempfile::tempdir()?;
    let mut doctor = Client::create(&state_path(dir.path(), "dr.tanaka"), &server.url, ORIGIN)?;
    doctor
        .register(&link, "dr.tanaka", GOOD_PASSWORD, Some("Dr Tanaka"))
        .await?;
    let org: OrganisationId = org.parse()?;
    let room = doctor.create_room(org, "Room 3 (Suzuki-san)").await?;
    assert_eq!(room.role, Some(RoomRole::Owner));
    // Both channel groups exist, with the doctor's device alone in them.
    for channel in [Channel::Team, Channel::Family] {
        assert_eq!(doctor.epoch(room.id, channel), Some(0));
        assert_eq!(doctor.server_epoch(room.id, channel).await?, Some(0));
    }
    Ok((
        Setup {
            server,
            dir,
            room: room.id,
        },
        doctor,
    ))
}

impl Setup {
    /// `inviter` invites `name` with `role`; the invitee registers through the client.
    async fn join(&self, inviter: &Client, name: &str, role: RoomRole) -> Result<Client> {
        let invitation = inviter.invite(self.room, name, role).await?;
        assert!(invitation.link.contains("#/invite/"), "{}", invitation.link);
        let mut person = Client::create(&state_path(self.dir.path(), name), &self.server.url, ORIGIN)?;
        person
            .register(&invitation.link, name, GOOD_PASSWORD, None)
            .await?;
        Ok(person)
    }

    /// A channel's whole log fetched with someone's session token, bypassing the
    /// client: the status and, on 200, the entries.
    async fn raw_log(&self, token: &str, channel: Channel) -> Result<(u16, Vec<LogEntry>)> {
        let path = format!("/api/v1/groups/{}%2F{channel}/messages?after=0", self.room);
        let (status, body) = self.server.get(&path, Some(token)).await?;
        let entries = if status == 200 {
            serde_json::from_value(body)?
        } else {
            Vec::new()
        };
        Ok((status, entries))
    }
}

async fn a_care_team_reads_what_its_roles_allow(kind: DbKind) -> Result<()> {
    let (s, mut doctor) = setup(kind).await?;
    let room = s.room;
    let mut nurse = s.join(&doctor, "nurse.sato", RoomRole::Professional).await?;
    let mut helper = s.join(&doctor, "helper.ito", RoomRole::Professional).await?;
    // The rooms list shows each person their place.
    let rooms = nurse.rooms().await?;
    assert_eq!(rooms.len(), 1);
    assert_eq!(
        (
            rooms[0].id,
            rooms[0].role,
            rooms[0].team_access,
            rooms[0].family_access
        ),
        (room, Some(RoomRole::Professional), true, true)
    );

    // The doctor brings the new members into both channels; they join from welcomes.
    let report = doctor.refresh().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    for person in [&mut nurse, &mut helper] {
        let synced = person.sync().await?;
        let mut joined = synced.joined.clone();
        joined.sort_by_key(|(_, c)| c.as_str());
        assert_eq!(joined, vec![(room, Channel::Family), (room, Channel::Team)]);
    }

    doctor
        .post(room, Channel::Team, &note("T1 BP 128/82, pulse 76"))
        .await?;
    nurse
        .post(room, Channel::Team, &note("T2 wound dressing changed"))
        .await?;
    doctor
        .post(room, Channel::Family, &note("F0 before the family joined"))
        .await?;

    // The family member joins: only the family channel, and only from now on.
    let mut family = s.join(&doctor, "family.suzuki", RoomRole::Family).await?;
    doctor.refresh().await?;
    let synced = family.sync().await?;
    assert_eq!(synced.joined, vec![(room, Channel::Family)]);
    family
        .post(room, Channel::Family, &note("F1 from the daughter"))
        .await?;
    helper.sync().await?;
    helper
        .post(room, Channel::Family, &note("F2 lunch eaten well"))
        .await?;

    for person in [&mut doctor, &mut nurse, &mut helper, &mut family] {
        let report = person.sync().await?;
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
    for person in [&doctor, &nurse, &helper] {
        assert_eq!(
            texts(person.read(room, Channel::Team)),
            ["T1 BP 128/82, pulse 76", "T2 wound dressing changed"]
        );
        assert_eq!(
            texts(person.read(room, Channel::Family)),
            [
                "F0 before the family joined",
                "F1 from the daughter",
                "F2 lunch eaten well"
            ]
        );
    }
    // Authorship is the signer's.
    let t2 = &nurse.read(room, Channel::Team)[1];
    assert_eq!(
        (Some(t2.author_user), Some(t2.author_device)),
        (nurse.user_id(), nurse.device_id())
    );
    assert_eq!(
        texts(family.read(room, Channel::Family)),
        ["F1 from the daughter", "F2 lunch eaten well"],
        "family reads the family channel from joining on"
    );

    // The team channel does not exist for the family: no group, no log, no posting.
    assert!(family.read(room, Channel::Team).is_empty());
    assert!(!family.channels().iter().any(|(_, c, _)| *c == Channel::Team));
    let (status, _) = s.raw_log(family.session_token().unwrap(), Channel::Team).await?;
    assert_eq!(status, 404, "the family fetched the team log");
    let refused = family.post(room, Channel::Team, &note("x")).await;
    assert!(
        matches!(refused, Err(ClientError::NotInChannel { .. })),
        "{refused:?}"
    );

    // A nurse who joins later reads the whole team history (and the family channel's).
    let mut late = s.join(&doctor, "nurse.kato", RoomRole::Professional).await?;
    doctor.refresh().await?;
    let report = late.sync().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        texts(late.read(room, Channel::Team)),
        ["T1 BP 128/82, pulse 76", "T2 wound dressing changed"]
    );
    assert_eq!(texts(late.read(room, Channel::Family)).len(), 3);

    // Posts arrive live over the WebSocket.
    let follower = tokio::spawn(async move {
        let mut follow = late.follow().await?;
        let post = tokio::time::timeout(Duration::from_secs(20), follow.next()).await??;
        drop(follow);
        anyhow::Ok((late, post))
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    doctor.post(room, Channel::Team, &note("T3 live")).await?;
    let (late, live) = follower.await??;
    assert_eq!(live.envelope.body, "T3 live");
    assert_eq!(live.author_user, doctor.user_id().unwrap());
    assert_eq!(texts(late.read(room, Channel::Team)).last(), Some(&"T3 live"));

    // Following again resumes where it stopped: what came meanwhile, once, in order.
    let mut late = late;
    doctor.post(room, Channel::Team, &note("T4 while away")).await?;
    doctor.post(room, Channel::Family, &note("F3 while away")).await?;
    {
        let mut follow = late.follow().await?;
        let mut got = Vec::new();
        for _ in 0..2 {
            let post = tokio::time::timeout(Duration::from_secs(20), follow.next()).await??;
            got.push(post.envelope.body);
        }
        got.sort();
        assert_eq!(got, ["F3 while away", "T4 while away"]);
        assert!(
            tokio::time::timeout(Duration::from_millis(700), follow.next())
                .await
                .is_err(),
            "nothing is delivered twice"
        );
    }

    // Everything survives a restart: the state file reopens with all of it.
    drop(late);
    let reopened = Client::open(&state_path(s.dir.path(), "nurse.kato"))?;
    assert_eq!(texts(reopened.read(room, Channel::Team)).len(), 4);
    let mut reopened = reopened;
    reopened.sync().await?;
    reopened
        .post(room, Channel::Team, &note("T5 after restart"))
        .await?;
    doctor.sync().await?;
    assert_eq!(
        texts(doctor.read(room, Channel::Team)).last(),
        Some(&"T5 after restart")
    );
    Ok(())
}

async fn a_removed_member_reads_nothing_posted_after(kind: DbKind) -> Result<()> {
    let (s, mut doctor) = setup(kind).await?;
    let room = s.room;
    let mut nurse = s.join(&doctor, "nurse.sato", RoomRole::Professional).await?;
    let mut helper = s.join(&doctor, "helper.ito", RoomRole::Professional).await?;
    doctor.refresh().await?;
    nurse.sync().await?;
    helper.sync().await?;
    doctor.post(room, Channel::Team, &note("before removal")).await?;
    helper.sync().await?;
    assert_eq!(texts(helper.read(room, Channel::Team)), ["before removal"]);
    let helper_user = helper.user_id().unwrap();
    let helper_device = helper.device_id().unwrap();

    // The helper keeps a copy of its state from before the removal.
    let copy = state_path(s.dir.path(), "helper-copy");
    std::fs::copy(helper.state_path(), &copy)?;
    std::fs::copy(
        format!("{}.key", helper.state_path().display()),
        format!("{}.key", copy.display()),
    )?;

    let reports = doctor.remove_member(room, helper_user).await?;
    assert_eq!(reports.len(), 2, "both channels reconciled");
    for report in &reports {
        assert_eq!(report.removed, vec![(helper_user, helper_device)], "{report:?}");
    }
    doctor
        .post(room, Channel::Team, &note("after removal: key safe code 4512"))
        .await?;
    doctor
        .post(room, Channel::Family, &note("after removal, family channel"))
        .await?;

    // Members read it.
    nurse.sync().await?;
    assert_eq!(
        texts(nurse.read(room, Channel::Team)).last(),
        Some(&"after removal: key safe code 4512")
    );

    // The helper's own fetches are refused and it learns it lost the channels.
    let synced = helper.sync().await?;
    assert_eq!(synced.lost.len(), 2, "{synced:?}");
    assert!(synced.posts.is_empty());
    let (status, _) = s.raw_log(helper.session_token().unwrap(), Channel::Team).await?;
    assert_eq!(status, 404);

    // Even with the ciphertexts (fetched with the nurse's token) and its old keys,
    // nothing posted after the removal opens.
    for channel in [Channel::Team, Channel::Family] {
        let (status, entries) = s.raw_log(nurse.session_token().unwrap(), channel).await?;
        assert_eq!(status, 200);
        let after: &str = match channel {
            Channel::Team => "after removal: key safe code 4512",
            Channel::Family => "after removal, family channel",
        };
        let report = helper.ingest(room, channel, &entries)?;
        assert!(
            report.posts.iter().all(|p| p.envelope.body != after),
            "the removed helper read {after:?}"
        );
        assert!(!texts(helper.read(room, channel)).contains(&after));

        // A copy that skips the commit removing it fares no better.
        let mut old = Client::open(&copy)?;
        let without_commits: Vec<LogEntry> = entries.iter().filter(|e| e.kind != "commit").cloned().collect();
        let report = old.ingest(room, channel, &without_commits)?;
        assert!(report.posts.iter().all(|p| p.envelope.body != after));
        assert!(!report.problems.is_empty(), "undecryptable entries are reported");
    }
    Ok(())
}

async fn concurrent_commits_end_in_one_epoch(kind: DbKind) -> Result<()> {
    let (s, mut doctor) = setup(kind).await?;
    let room = s.room;
    let mut nurse = s.join(&doctor, "nurse.sato", RoomRole::Professional).await?;
    doctor.refresh().await?;
    nurse.sync().await?;

    // Both have seen the same epoch. The doctor adds one newcomer; the nurse, not having
    // synced, commits for the old epoch, is refused, catches up and adds the second.
    let mut first = s.join(&doctor, "therapist.mori", RoomRole::Professional).await?;
    let done = doctor.reconcile(room, Channel::Team).await?;
    assert_eq!(
        done.added,
        vec![(first.user_id().unwrap(), first.device_id().unwrap())]
    );
    let mut second = s.join(&doctor, "pharmacist.ueda", RoomRole::Professional).await?;
    let done = nurse.reconcile(room, Channel::Team).await?;
    assert!(
        done.conflicts >= 1,
        "the nurse's first commit should have lost: {done:?}"
    );
    assert_eq!(
        done.added,
        vec![(second.user_id().unwrap(), second.device_id().unwrap())]
    );

    // Truly at the same time: both add the third newcomer; one wins, the other retries.
    let mut third = s.join(&doctor, "caremanager.abe", RoomRole::Professional).await?;
    let (a, b) = tokio::join!(
        doctor.reconcile(room, Channel::Team),
        nurse.reconcile(room, Channel::Team)
    );
    let (a, b) = (a?, b?);
    let third_device = (third.user_id().unwrap(), third.device_id().unwrap());
    assert_eq!(
        [&a, &b]
            .iter()
            .filter(|r| r.added.contains(&third_device))
            .count(),
        1,
        "added exactly once: {a:?} {b:?}"
    );

    for person in [&mut doctor, &mut nurse, &mut first, &mut second, &mut third] {
        let report = person.sync().await?;
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
    let epoch = doctor.server_epoch(room, Channel::Team).await?.unwrap();
    for person in [&doctor, &nurse, &first, &second, &third] {
        assert_eq!(person.epoch(room, Channel::Team), Some(epoch));
        assert_eq!(person.channel_members(room, Channel::Team).len(), 5);
    }
    // And the group works for everyone.
    nurse.post(room, Channel::Team, &note("all in one epoch")).await?;
    for person in [&mut doctor, &mut first, &mut second, &mut third] {
        person.sync().await?;
        assert_eq!(
            texts(person.read(room, Channel::Team)).last(),
            Some(&"all in one epoch")
        );
    }
    Ok(())
}

/// Runs the `kizuna` command line in-process: exit code, stdout, stderr.
async fn cli(args: &[&str], stdin: &str, password_env: Option<&str>) -> (u8, String, String) {
    let mut input = std::io::Cursor::new(stdin.as_bytes().to_vec());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = kizuna_client::cli::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        password_env: password_env.map(str::to_owned),
    };
    let code = kizuna_client::cli::run(std::iter::once("kizuna").chain(args.iter().copied()), &mut io).await;
    let code = if code == std::process::ExitCode::SUCCESS {
        0
    } else {
        1
    };
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

async fn the_command_line_registers_posts_and_reads(kind: DbKind) -> Result<()> {
    let (s, mut doctor) = setup(kind).await?;
    let room = s.room.to_string();
    let state = state_path(s.dir.path(), "cli-nurse");
    let state = state.to_str().unwrap();
    let base = ["--state", state, "--server", &s.server.url, "--origin", ORIGIN];
    let with = |rest: &[&'static str]| -> Vec<String> {
        base.iter()
            .map(|a| a.to_string())
            .chain(rest.iter().map(|a| a.to_string()))
            .collect()
    };
    let run = |args: Vec<String>, stdin: &'static str, env: Option<&'static str>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&args, stdin, env).await
    };

    let invitation = doctor.invite(s.room, "nurse.cli", RoomRole::Professional).await?;
    // Passwords are never arguments: without stdin or KIZUNA_PASSWORD it refuses.
    let mut bare = with(&["register", "--login-id", "nurse.cli"]);
    bare.push(invitation.link.clone());
    let (code, _, err) = run(bare, "", None).await;
    assert_eq!(code, 1);
    assert!(err.contains("KIZUNA_PASSWORD"), "{err}");

    let mut register = with(&["--json", "register"]);
    register.extend([
        invitation.link.clone(),
        "--login-id".into(),
        "nurse.cli".into(),
        "--password-stdin".into(),
    ]);
    let (code, out, err) = run(register, "Tq7#mVb2!pLx\n", None).await;
    assert_eq!(code, 0, "{err}");
    let registered: serde_json::Value = serde_json::from_str(out.trim())?;
    assert_eq!(registered["login_id"], "nurse.cli");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [state.to_owned(), format!("{state}.key")] {
            let mode = std::fs::metadata(&file)?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{file}");
        }
    }

    // The nurse's device gets into the channels when the doctor next syncs.
    doctor.refresh().await?;
    doctor
        .post(s.room, Channel::Team, &note("from the doctor"))
        .await?;
    let mut post = with(&["post"]);
    post.extend([
        room.clone(),
        "--channel".into(),
        "team".into(),
        "訪問しました / visited".into(),
    ]);
    let (code, out, err) = run(post, "", None).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("投稿しました / Posted"), "{out}");

    let mut read = with(&["--json", "read"]);
    read.push(room.clone());
    let (code, out, err) = run(read, "", None).await;
    assert_eq!(code, 0, "{err}");
    let posts: Vec<ReceivedPost> = serde_json::from_str(out.trim())?;
    assert_eq!(texts(&posts), ["from the doctor", "訪問しました / visited"]);
    doctor.sync().await?;
    assert_eq!(
        texts(doctor.read(s.room, Channel::Team)).last(),
        Some(&"訪問しました / visited")
    );

    // Signing in again works from the environment variable; a wrong password does not.
    let (code, _, err) = run(
        with(&["sign-in", "--login-id", "nurse.cli"]),
        "",
        Some("Wrong#pass123"),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("sign_in_failed") || err.contains("サインイン"),
        "{err}"
    );
    let (code, out, err) = run(
        with(&["sign-in", "--login-id", "nurse.cli"]),
        "",
        Some(GOOD_PASSWORD),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Signed in"), "{out}");
    let (code, out, _) = run(with(&["rooms"]), "", None).await;
    assert_eq!(code, 0);
    assert!(out.contains(&room) && out.contains("professional"), "{out}");
    Ok(())
}

on_both_databases!(
    a_care_team_reads_what_its_roles_allow,
    a_removed_member_reads_nothing_posted_after,
    concurrent_commits_end_in_one_epoch,
    the_command_line_registers_posts_and_reads,
);
