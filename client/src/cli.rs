//! The `kizuna` command line, as a library function so tests can run it in-process.
//!
//! ```text
//! kizuna --state FILE [--server URL] [--origin URL] [--json] <command>
//! ```
//!
//! Passwords come from stdin (`--password-stdin`) or `KIZUNA_PASSWORD`, never from
//! an argument (arguments are visible to every user of the machine). Output is text
//! for people (Japanese and English) by default, JSON for scripts with `--json`;
//! `follow` always prints one JSON object per line.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[path = "cli_broadcast.rs"]
mod broadcast;
#[path = "export_cli.rs"]
mod export;
#[path = "cli_safety.rs"]
mod safety;
use serde::Serialize;
use serde_json::json;

use crate::{
    Channel, Client, ClientError, ContentType, Member, OrganisationId, PostEnvelope, ReceivedPost, RoomId,
    RoomRole, UserId,
};

#[derive(Parser, Debug)]
#[command(
    name = "kizuna",
    version,
    about = "Kizuna from the command line / コマンドラインから Kizuna を使う",
    long_about = "Kizuna from the command line: register or sign in with a software authenticator kept in \
                  the state file, create rooms, invite, post, read and follow live.\n\
                  コマンドラインから Kizuna を使います（登録・サインイン・ルーム作成・招待・投稿・閲覧・ライブ受信）。"
)]
struct Cli {
    /// The state file (created on first use, readable only by you). / 状態ファイル
    #[arg(long, env = "KIZUNA_STATE", global = true)]
    state: Option<PathBuf>,
    /// The server's URL, e.g. https://kizuna.example (needed when creating the state). / サーバーのURL
    #[arg(long, env = "KIZUNA_SERVER", global = true)]
    server: Option<String>,
    /// The origin WebAuthn is signed for (the server's public URL; defaults to --server). / WebAuthn のオリジン
    #[arg(long, env = "KIZUNA_ORIGIN", global = true)]
    origin: Option<String>,
    /// Print JSON instead of text. / JSON で出力
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create an account from an invitation link. / 招待リンクからアカウントを作成
    Register {
        /// The link (…/#/invite/TOKEN).
        link: String,
        /// The login ID to create.
        #[arg(long)]
        login_id: String,
        /// The name others see.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of stdin (else KIZUNA_PASSWORD).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign in with password and the stored authenticator. / サインイン
    SignIn {
        /// The login ID.
        #[arg(long)]
        login_id: String,
        /// Read the password from the first line of stdin (else KIZUNA_PASSWORD).
        #[arg(long)]
        password_stdin: bool,
    },
    /// End the session. / サインアウト
    SignOut,
    /// Join a room with this account through a room invitation link. / 招待を受ける
    Accept {
        /// The link (…/#/invite/TOKEN).
        link: String,
    },
    /// List my rooms. / ルーム一覧
    Rooms,
    /// Create a room (and its two channels). / ルームを作成
    CreateRoom {
        /// The organisation's ID.
        #[arg(long)]
        org: OrganisationId,
        /// The room's name (sealed on this device; the server never sees it).
        name: String,
    },
    /// Rename a room (team members). / ルーム名を変更
    RenameRoom {
        /// The room's ID.
        room: RoomId,
        /// The new name (sealed on this device).
        name: String,
    },
    /// Issue an invitation link. / 招待リンクを発行
    Invite {
        /// The room's ID.
        room: RoomId,
        /// The invitee's name.
        #[arg(long)]
        name: String,
        /// family, volunteer, professional or delegate.
        #[arg(long)]
        role: RoomRole,
    },
    /// List a room's members. / メンバー一覧
    Members {
        /// The room's ID.
        room: RoomId,
    },
    /// Remove a member from a room. / メンバーを削除
    Remove {
        /// The room's ID.
        room: RoomId,
        /// The member's user ID.
        user: UserId,
    },
    /// Post a note. / 投稿
    Post {
        /// The room's ID.
        room: RoomId,
        /// team or family.
        #[arg(long, default_value = "team")]
        channel: Channel,
        /// The text.
        text: String,
    },
    /// Show a channel's posts. / 投稿を表示
    Read {
        /// The room's ID.
        room: RoomId,
        /// team or family.
        #[arg(long, default_value = "team")]
        channel: Channel,
    },
    /// Print posts as they arrive, one JSON object per line. / 新しい投稿を受信
    Follow,
    /// Fetch everything new and bring new members into the channels. / 同期
    Sync,
    /// Regional notices: list, acknowledge, send, the officer roster. / 地域のお知らせ
    Broadcast {
        #[command(subcommand)]
        action: broadcast::Action,
    },
    /// Safety checks: answer for a client, see my rooms' answers. / 安否確認
    Safety {
        #[command(subcommand)]
        action: safety::Action,
    },
    /// Export a room's record, decrypted on this device: JSON, vitals CSV or FHIR R4. / 記録を書き出す
    Export(export::Args),
}

/// Where the command reads and writes.
pub struct Io<'a> {
    /// Standard input (for `--password-stdin`).
    pub stdin: &'a mut (dyn BufRead + Send),
    /// Standard output.
    pub stdout: &'a mut (dyn Write + Send),
    /// Standard error.
    pub stderr: &'a mut (dyn Write + Send),
    /// The value of `KIZUNA_PASSWORD`, if set.
    pub password_env: Option<String>,
}

/// Runs `kizuna` with `args` (the first is the program name).
pub async fn run<I, T>(args: I, io: &mut Io<'_>) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are answers, not errors.
            if e.use_stderr() {
                let _ = write!(io.stderr, "{}", e.render());
                return ExitCode::from(2);
            }
            let _ = write!(io.stdout, "{}", e.render());
            return ExitCode::SUCCESS;
        }
    };
    let json = cli.json;
    match execute(cli, io).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (en, ja) = e.messages();
            let _ = if json {
                writeln!(
                    io.stderr,
                    "{}",
                    json!({ "error": { "code": e.code(), "message": en, "message_ja": ja } })
                )
            } else {
                writeln!(io.stderr, "エラー: {ja}\nError: {en}")
            };
            ExitCode::FAILURE
        }
    }
}

fn password(from_stdin: bool, io: &mut Io<'_>) -> Result<String, ClientError> {
    if from_stdin {
        let mut line = String::new();
        io.stdin
            .read_line(&mut line)
            .map_err(|e| ClientError::InvalidInput(format!("reading the password from stdin: {e}")))?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Err(ClientError::InvalidInput("no password on stdin".into()));
        }
        return Ok(line);
    }
    io.password_env.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
        ClientError::InvalidInput(
            "give the password on stdin with --password-stdin, or in KIZUNA_PASSWORD \
             (パスワードは --password-stdin で標準入力から、または KIZUNA_PASSWORD で渡してください)"
                .into(),
        )
    })
}

/// The scheme, host and port of a link: the server a link was issued by.
fn origin_of(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

fn out<T: Serialize>(
    io: &mut Io<'_>,
    json: bool,
    value: &T,
    text: impl FnOnce() -> String,
) -> Result<(), ClientError> {
    let written = if json {
        serde_json::to_string(value)
            .map_err(|e| ClientError::Protocol(e.to_string()))
            .and_then(|s| writeln!(io.stdout, "{s}").map_err(|e| ClientError::InvalidInput(e.to_string())))
    } else {
        writeln!(io.stdout, "{}", text()).map_err(|e| ClientError::InvalidInput(e.to_string()))
    };
    written
}

async fn execute(cli: Cli, io: &mut Io<'_>) -> Result<(), ClientError> {
    let state = cli.state.clone().ok_or_else(|| {
        ClientError::InvalidInput(
            "give the state file with --state FILE (状態ファイルを --state で指定してください)".into(),
        )
    })?;
    let json = cli.json;
    // Read the password before touching any file, so a missing one changes nothing.
    let secret = match &cli.command {
        Command::Register { password_stdin, .. } | Command::SignIn { password_stdin, .. } => {
            Some(password(*password_stdin, io)?)
        }
        _ => None,
    };
    let secret = zeroize::Zeroizing::new(secret.unwrap_or_default());
    // Only registering creates a state (the authenticator is born there); it can do
    // so from the link alone, whose server and origin are the defaults.
    let mut client = match &cli.command {
        Command::Register { link, .. } => {
            let link_origin = origin_of(link);
            let server = cli.server.clone().or_else(|| link_origin.clone());
            let origin = cli.origin.clone().or(link_origin);
            Client::open_or_create(&state, server.as_deref(), origin.as_deref())?
        }
        _ if !state.exists() => {
            return Err(ClientError::InvalidInput(format!(
                "{} does not exist: register with an invitation link first \
                 （{} がありません。先に招待リンクで登録してください）",
                state.display(),
                state.display()
            )))
        }
        _ => Client::open_or_create(&state, cli.server.as_deref(), cli.origin.as_deref())?,
    };

    match cli.command {
        Command::Register {
            link,
            login_id,
            display_name,
            ..
        } => {
            let user = client
                .register(&link, &login_id, &secret, display_name.as_deref())
                .await?;
            let device = client.device_id();
            let value = json!({ "user_id": user, "login_id": client.login_id(), "device_id": device });
            out(io, json, &value, || {
                format!("登録しました / Registered: {login_id} (user {user})")
            })
        }
        Command::SignIn { login_id, .. } => {
            let user = client.sign_in(&login_id, &secret).await?;
            let value =
                json!({ "user_id": user, "login_id": client.login_id(), "device_id": client.device_id() });
            out(io, json, &value, || {
                format!("サインインしました / Signed in: {login_id}")
            })
        }
        Command::SignOut => {
            client.sign_out().await?;
            out(io, json, &json!({ "signed_out": true }), || {
                "サインアウトしました / Signed out".into()
            })
        }
        Command::Accept { link } => {
            let accepted = client.accept_invitation(&link).await?;
            out(io, json, &accepted, || {
                format!(
                    "ルームに参加しました / Joined room {} as {}",
                    accepted.room_id, accepted.role
                )
            })
        }
        Command::Rooms => {
            let rooms = client.rooms().await?;
            out(io, json, &rooms, || {
                if rooms.is_empty() {
                    return "ルームはありません / No rooms".into();
                }
                rooms
                    .iter()
                    .map(|r| {
                        let role = r.role.map_or("-", RoomRole::as_str);
                        let name = r.name.as_deref().unwrap_or("(名前を取得中… / loading name…)");
                        format!("{}  {role:<12}  {name}", r.id)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::CreateRoom { org, name } => {
            let room = client.create_room(org, &name).await?;
            out(io, json, &room, || {
                format!("ルームを作成しました / Created room {name}: {}", room.id)
            })
        }
        Command::RenameRoom { room, name } => {
            let renamed = client.rename_room(room, &name).await?;
            out(io, json, &renamed, || {
                format!("ルーム名を変更しました / Renamed room {}: {name}", renamed.id)
            })
        }
        Command::Invite { room, name, role } => {
            let invitation = client.invite(room, &name, role).await?;
            out(io, json, &invitation, || {
                format!(
                    "招待リンク（{} まで有効） / Invitation link (valid until {}):\n{}",
                    invitation.expires_at.to_rfc3339(),
                    invitation.expires_at.to_rfc3339(),
                    invitation.link
                )
            })
        }
        Command::Members { room } => {
            let members = client.members(room).await?;
            out(io, json, &members, || {
                members
                    .iter()
                    .map(|m| {
                        let access = match (m.team_access, m.family_access) {
                            (true, true) => "team+family",
                            (true, false) => "team",
                            (false, true) => "family",
                            (false, false) => "-",
                        };
                        let mark = if m.emergency {
                            "  [緊急用アカウント / emergency account]"
                        } else {
                            ""
                        };
                        format!(
                            "{}  {:<12}  {access:<11}  {} device(s)  {}{mark}",
                            m.user_id,
                            m.role.as_str(),
                            m.devices.len(),
                            m.display_name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Remove { room, user } => {
            let reports = client.remove_member(room, user).await?;
            out(io, json, &reports, || {
                format!("メンバーを削除しました / Removed {user} from room {room}")
            })
        }
        Command::Post { room, channel, text } => {
            if text.trim().is_empty() {
                return Err(ClientError::InvalidInput(
                    "the text is empty (本文が空です)".into(),
                ));
            }
            client.refresh().await?;
            let seq = client
                .post(room, channel, &PostEnvelope::new(ContentType::Note, text))
                .await?;
            out(io, json, &json!({ "seq": seq }), || {
                format!("投稿しました / Posted (#{seq})")
            })
        }
        Command::Read { room, channel } => {
            let report = client.refresh().await?;
            tell_if_restored(io, &report)?;
            client.check_access(room, channel).await?;
            let names = names(&client, room).await;
            let posts = client.read(room, channel);
            out(io, json, &posts, || {
                if posts.is_empty() {
                    return "投稿はありません / No posts".into();
                }
                posts
                    .iter()
                    .map(|p| line(p, &names))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            warn_rejected(io, json, client.rejected(room, channel), &report.problems)
        }
        Command::Broadcast { action } => broadcast::run(&mut client, action, io, json).await,
        Command::Safety { action } => safety::run(&mut client, action, io, json).await,
        Command::Export(args) => export::run(&mut client, args, io, json).await,
        Command::Sync => {
            let report = client.refresh().await?;
            tell_if_restored(io, &report)?;
            let value = json!({
                "joined": report.joined,
                "lost": report.lost,
                "posts": report.posts.len(),
                "reconciled": report.reconciled,
                "problems": report.problems,
                "restored": report.restored,
            });
            out(io, json, &value, || {
                let mut text = format!(
                    "同期しました / Synced: {} new post(s), joined {} channel(s)",
                    report.posts.len(),
                    report.joined.len()
                );
                for problem in &report.problems {
                    text.push_str(&format!("\n  ! {problem}"));
                }
                text
            })
        }
        Command::Follow => {
            client.refresh().await?;
            let mut follow = client.follow().await?;
            loop {
                let post = follow.next().await?;
                let line = serde_json::to_string(&post).map_err(|e| ClientError::Protocol(e.to_string()))?;
                writeln!(io.stdout, "{line}")
                    .and_then(|()| io.stdout.flush())
                    .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
            }
        }
    }
}

/// Display names of a room's members, for text output (IDs if the list fails).
async fn names(client: &Client, room: RoomId) -> Vec<Member> {
    client.members(room).await.unwrap_or_default()
}

/// Tells the person, on stderr, that the server was restored from a backup (its logs
/// started a new generation and every channel was read again).
fn tell_if_restored(io: &mut Io<'_>, report: &crate::SyncReport) -> Result<(), ClientError> {
    if !report.restored {
        return Ok(());
    }
    writeln!(io.stderr, "kizuna: {}", crate::SyncReport::RESTORED_NOTICE)
        .map_err(|e| ClientError::InvalidInput(e.to_string()))
}

/// Tells the person, on stderr, which entries of the channel were not shown
/// (tampered or replayed) and what else the sync met, as `sync` lists its problems:
/// stdout keeps the posts alone, so scripts reading it are unaffected.
fn warn_rejected(
    io: &mut Io<'_>,
    json: bool,
    rejected: &[crate::RejectedEntry],
    problems: &[String],
) -> Result<(), ClientError> {
    if rejected.is_empty() && problems.is_empty() {
        return Ok(());
    }
    let written = if json {
        writeln!(
            io.stderr,
            "{}",
            json!({ "rejected": rejected, "problems": problems })
        )
    } else {
        let mut text = format!(
            "表示しなかった記録があります（改ざん・再送の疑い）/ Entries not shown (tampered or replayed): {}",
            rejected.len()
        );
        for entry in rejected {
            text.push_str(&format!(
                "\n  ! #{} ({}): {}",
                entry.seq, entry.kind, entry.reason
            ));
        }
        for problem in problems {
            text.push_str(&format!("\n  ! {problem}"));
        }
        writeln!(io.stderr, "{text}")
    };
    written.map_err(|e| ClientError::InvalidInput(e.to_string()))
}

fn line(post: &ReceivedPost, names: &[Member]) -> String {
    let author = names
        .iter()
        .find(|m| m.user_id == post.author_user)
        .map_or_else(|| post.author_user.to_string(), |m| m.display_name.clone());
    format!(
        "#{} [{}] {author}: {}",
        post.seq,
        post.sent_at.to_rfc3339(),
        post.envelope.body
    )
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kizuna: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdin = std::io::BufReader::new(std::io::stdin());
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        password_env: std::env::var("KIZUNA_PASSWORD").ok(),
    };
    runtime.block_on(run(std::env::args_os(), &mut io))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run_args(args: &[&str], password_env: Option<&str>) -> (ExitCode, String, String) {
        let mut stdin = std::io::Cursor::new(Vec::new());
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut io = Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            password_env: password_env.map(str::to_owned),
        };
        let code = run(std::iter::once("kizuna").chain(args.iter().copied()), &mut io).await;
        (
            code,
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    #[tokio::test]
    async fn help_is_an_answer_and_passwords_are_never_arguments() {
        let (code, out, _) = run_args(&["--help"], None).await;
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(out.contains("sign-in") && out.contains("サインイン"), "{out}");
        let (code, _, err) = run_args(
            &[
                "--state",
                "x",
                "sign-in",
                "--login-id",
                "a",
                "--password",
                "secret",
            ],
            None,
        )
        .await;
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("--password"), "{err}");
    }

    #[tokio::test]
    async fn only_register_creates_a_state() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.kizuna");
        let state = state.to_str().unwrap();
        let (code, _, err) = run_args(
            &["--state", state, "--server", "http://127.0.0.1:9", "rooms"],
            None,
        )
        .await;
        assert_eq!(code, ExitCode::FAILURE);
        assert!(err.contains("register") && err.contains("登録"), "{err}");
        assert!(!std::path::Path::new(state).exists());
        // Without a password anywhere, registering refuses before any request.
        let (code, _, err) = run_args(
            &[
                "--state",
                state,
                "--json",
                "register",
                "http://127.0.0.1:9/#/invite/abc",
                "--login-id",
                "x.y",
            ],
            None,
        )
        .await;
        assert_eq!(code, ExitCode::FAILURE);
        let error: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
        assert_eq!(error["error"]["code"], "invalid_input");
        assert!(!std::path::Path::new(state).exists());
    }
}
