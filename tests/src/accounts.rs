//! People for end-to-end tests: each has a password and a real WebAuthn
//! authenticator (webauthn-authenticator-rs's software passkey) and goes through
//! the same ceremonies as a browser would.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use kizuna_server::bootstrap::{ensure_link, BootstrapState};
use serde_json::{json, Value};
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

use crate::{TestServer, ORIGIN};

/// A password that passes every rule.
pub const GOOD_PASSWORD: &str = "Tq7#mVb2!pLx";

/// A person with an account.
pub struct Person {
    /// Their user ID.
    pub user_id: String,
    /// Their login ID.
    pub login_id: String,
    /// Their password.
    pub password: String,
    /// Their authenticator.
    pub key: SoftPasskey,
    /// Their current session token.
    pub token: String,
}

/// A fresh software authenticator (claims user verification, as a passkey with a
/// PIN or biometric would).
pub fn new_key() -> SoftPasskey {
    SoftPasskey::new(true)
}

/// The origin the test servers expect.
pub fn origin() -> Url {
    Url::parse(ORIGIN).unwrap_or_else(|_| unreachable!("ORIGIN is a valid URL"))
}

/// The token inside a `…/#/invite/TOKEN` link.
pub fn token_of(link: &str) -> Result<String> {
    link.rsplit_once("#/invite/")
        .map(|(_, t)| t.to_owned())
        .context("not an invitation link")
}

/// A response: status and JSON body (Null when there is none).
pub async fn answer(response: reqwest::Response) -> Result<(u16, Value)> {
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok((status, body))
}

impl TestServer {
    /// POSTs JSON, with a bearer token if given.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Result<(u16, Value)> {
        let mut request = self.http.post(self.at(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await?).await
    }

    /// GETs, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<(u16, Value)> {
        let mut request = self.http.get(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await?).await
    }

    /// DELETEs, with a bearer token if given.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Result<(u16, Value)> {
        let mut request = self.http.delete(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await?).await
    }

    /// Starts redeeming a link: returns the creation options, or the error answer.
    pub async fn register_begin(
        &self,
        link_token: &str,
        login_id: &str,
        password: &str,
    ) -> Result<(u16, Value)> {
        let body = json!({ "token": link_token, "login_id": login_id, "password": password });
        self.post("/api/v1/invitations/register/begin", None, body).await
    }

    /// Redeems a link completely with a new authenticator, signed for `origin`.
    pub async fn register_with(
        &self,
        link: &str,
        login_id: &str,
        password: &str,
        mut key: SoftPasskey,
        origin: Url,
    ) -> Result<std::result::Result<Person, (u16, Value)>> {
        let token = token_of(link)?;
        let (status, begun) = self.register_begin(&token, login_id, password).await?;
        if status != 200 {
            return Ok(Err((status, begun)));
        }
        let options: CreationChallengeResponse = serde_json::from_value(begun["options"].clone())?;
        let credential = key
            .do_registration(origin, options)
            .map_err(|e| anyhow::anyhow!("authenticator: {e:?}"))?;
        let body = json!({ "ceremony_id": begun["ceremony_id"], "credential": credential });
        let (status, grant) = self
            .post("/api/v1/invitations/register/finish", None, body)
            .await?;
        if status != 200 {
            return Ok(Err((status, grant)));
        }
        Ok(Ok(Person {
            user_id: grant["user_id"].as_str().context("user_id")?.to_owned(),
            login_id: login_id.to_owned(),
            password: password.to_owned(),
            key,
            token: grant["token"].as_str().context("token")?.to_owned(),
        }))
    }

    /// Redeems a link with a new authenticator; fails the test on any refusal.
    pub async fn register(&self, link: &str, login_id: &str) -> Result<Person> {
        match self
            .register_with(link, login_id, GOOD_PASSWORD, new_key(), origin())
            .await?
        {
            Ok(person) => Ok(person),
            Err((status, body)) => bail!("registration of {login_id} refused: {status} {body}"),
        }
    }

    /// The first administrator, through the bootstrap link.
    pub async fn bootstrap_admin(&self) -> Result<Person> {
        let db = self.db.clone();
        let now = self.now();
        let state =
            tokio::task::spawn_blocking(move || ensure_link(&db, ORIGIN, Duration::from_secs(3600), now))
                .await??;
        let BootstrapState::LinkIssued { link, .. } = state else {
            bail!("no bootstrap link: {state:?}")
        };
        self.register(link.expose(), "admin").await
    }

    /// Starts a sign-in: the request options.
    pub async fn sign_in_begin(&self, login_id: &str) -> Result<(String, RequestChallengeResponse)> {
        let (status, begun) = self
            .post(
                "/api/v1/auth/sign-in/begin",
                None,
                json!({ "login_id": login_id }),
            )
            .await?;
        if status != 200 {
            bail!("sign-in begin: {status} {begun}");
        }
        let ceremony = begun["ceremony_id"].as_str().context("ceremony_id")?.to_owned();
        Ok((ceremony, serde_json::from_value(begun["options"].clone())?))
    }

    /// A full sign-in with `password` and `key`: the answer (and the person's token
    /// updated on success).
    pub async fn sign_in(&self, person: &mut Person, password: &str) -> Result<(u16, Value)> {
        let (ceremony, options) = self.sign_in_begin(&person.login_id).await?;
        let assertion = person
            .key
            .do_authentication(origin(), options)
            .map_err(|e| anyhow::anyhow!("authenticator: {e:?}"))?;
        let body = json!({ "ceremony_id": ceremony, "password": password, "credential": assertion });
        let (status, grant) = self.post("/api/v1/auth/sign-in/finish", None, body).await?;
        if status == 200 {
            person.token = grant["token"].as_str().context("token")?.to_owned();
        }
        Ok((status, grant))
    }

    /// Confirms it is `person` again with `password` and their authenticator
    /// (`/me/reauth/begin` + `/finish`): the finish answer. On success their session
    /// may do what needs a fresh two-factor confirmation.
    pub async fn reauth_with(&self, person: &mut Person, password: &str) -> Result<(u16, Value)> {
        let (status, begun) = self
            .post("/api/v1/me/reauth/begin", Some(&person.token), json!({}))
            .await?;
        if status != 200 {
            return Ok((status, begun));
        }
        let options: RequestChallengeResponse = serde_json::from_value(begun["options"].clone())?;
        let assertion = person
            .key
            .do_authentication(origin(), options)
            .map_err(|e| anyhow::anyhow!("authenticator: {e:?}"))?;
        let body =
            json!({ "ceremony_id": begun["ceremony_id"], "password": password, "credential": assertion });
        self.post("/api/v1/me/reauth/finish", Some(&person.token), body)
            .await
    }

    /// [`TestServer::reauth_with`] the person's own password; fails the test if refused.
    pub async fn reauth(&self, person: &mut Person) -> Result<()> {
        let password = person.password.clone();
        let (status, body) = self.reauth_with(person, &password).await?;
        if status != 204 {
            bail!(
                "re-authentication of {} refused: {status} {body}",
                person.login_id
            );
        }
        Ok(())
    }

    /// Opens a client's room in `org` as `owner` (a professional there): its ID.
    pub async fn room(&self, owner: &Person, org: &str) -> Result<String> {
        let (status, room) = self
            .post(
                &format!("/api/v1/organisations/{org}/rooms"),
                Some(&owner.token),
                json!({}),
            )
            .await?;
        if status != 200 {
            bail!("room refused: {status} {room}");
        }
        Ok(room["id"].as_str().context("id")?.to_owned())
    }

    /// A room invitation link with `role`, made by `inviter` (owner or delegate).
    pub async fn invite_to_room(&self, inviter: &Person, room: &str, role: &str) -> Result<String> {
        let (status, issued) = self
            .post(
                &format!("/api/v1/rooms/{room}/invitations"),
                Some(&inviter.token),
                json!({ "role": role }),
            )
            .await?;
        if status != 200 {
            bail!("room invitation refused: {status} {issued}");
        }
        Ok(issued["link"].as_str().context("link")?.to_owned())
    }

    /// `person`, who already has an account, joins `room` with `role` on `inviter`'s link.
    pub async fn join_room(&self, inviter: &Person, person: &Person, room: &str, role: &str) -> Result<()> {
        let link = self.invite_to_room(inviter, room, role).await?;
        let body = json!({ "token": token_of(&link)? });
        let (status, joined) = self
            .post("/api/v1/invitations/accept", Some(&person.token), body)
            .await?;
        if status != 200 {
            bail!("joining the room refused: {status} {joined}");
        }
        Ok(())
    }

    /// Creates a staff invitation as `admin` and registers the invitee.
    pub async fn staff(&self, admin: &Person, org: &str, login_id: &str, role: &str) -> Result<Person> {
        let link = self.invite_staff(admin, org, login_id, role).await?;
        self.register(&link, login_id).await
    }

    /// Creates a staff invitation as `admin`: the link.
    pub async fn invite_staff(&self, admin: &Person, org: &str, name: &str, role: &str) -> Result<String> {
        let body = json!({ "invitee_name": name, "role": role });
        let (status, issued) = self
            .post(
                &format!("/api/v1/organisations/{org}/invitations"),
                Some(&admin.token),
                body,
            )
            .await?;
        if status != 200 {
            bail!("invitation refused: {status} {issued}");
        }
        Ok(issued["link"].as_str().context("link")?.to_owned())
    }

    /// Registers an organisation as `actor`: its ID.
    pub async fn organisation(
        &self,
        actor: &Person,
        name: &str,
        kind: &str,
        parent: Option<&str>,
    ) -> Result<String> {
        let body = json!({ "name": name, "kind": kind, "parent_id": parent });
        let (status, org) = self
            .post("/api/v1/organisations", Some(&actor.token), body)
            .await?;
        if status != 200 {
            bail!("organisation refused: {status} {org}");
        }
        Ok(org["id"].as_str().context("id")?.to_owned())
    }
}
