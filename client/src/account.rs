//! The account and the device: registering from an invitation link, signing in,
//! accepting room invitations, and setting this device up for MLS (signing key,
//! device registration, key packages).

use kizuna_crypto::{DeviceIdentity, DeviceSigningKey, MlsDevice};
use kizuna_proto::Redacted;
use serde_json::json;
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

use crate::api::{b64, hex, segment};
use crate::authenticator::Authenticator;
use crate::error::{ClientError, Result};
use crate::wire::{Accepted, Ceremony, DeviceView, Grant, KeyPackageUpload, KeyPackagesLeft};
use crate::{Client, DeviceId, UserId};

/// One-time key packages uploaded at a time.
const KEY_PACKAGE_BATCH: usize = 20;
/// Upload more when fewer than this many are thought to be left.
const KEY_PACKAGE_LOW: i64 = 5;
/// The name this device is registered under.
const DEVICE_NAME: &str = "kizuna CLI";

/// The token inside a `…/#/invite/TOKEN` link (or the bare token).
pub(crate) fn link_token(link: &str) -> Result<String> {
    let token = link.rsplit_once("#/invite/").map_or(link, |(_, t)| t).trim();
    if token.is_empty() || token.contains(['/', '#', ' ']) {
        return Err(ClientError::InvalidInput(format!(
            "{link:?} is not an invitation link (…/#/invite/TOKEN)"
        )));
    }
    Ok(token.to_owned())
}

impl Client {
    /// Redeems an invitation link: creates the account with `login_id` and
    /// `password`, registers this state's software authenticator (created now if
    /// there is none) as its second factor, signs in, and sets up this device.
    pub async fn register(
        &mut self,
        link: &str,
        login_id: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<UserId> {
        if let Some(mine) = &self.public.login_id {
            return Err(ClientError::OtherAccount(mine.clone()));
        }
        let token = link_token(link)?;
        let body = json!({
            "token": token,
            "login_id": login_id,
            "password": password,
            "display_name": display_name,
        });
        let begun: Ceremony<CreationChallengeResponse> =
            self.api.post("/invitations/register/begin", &body).await?;
        if self.authenticator.is_none() {
            self.authenticator = Some(Authenticator::generate()?);
        }
        let origin = self.origin.clone();
        let credential = self
            .authenticator
            .as_mut()
            .ok_or(ClientError::NoAuthenticator)?
            .register(&origin, begun.options)?;
        let body = json!({
            "ceremony_id": begun.ceremony_id,
            "credential": credential,
            "credential_name": DEVICE_NAME,
        });
        let grant: Grant = self.api.post("/invitations/register/finish", &body).await?;
        let user = self.signed_in(login_id, grant)?;
        self.ensure_device().await?;
        Ok(user)
    }

    /// Signs in with the password and this state's authenticator, then makes sure
    /// this device is set up.
    pub async fn sign_in(&mut self, login_id: &str, password: &str) -> Result<UserId> {
        let login_id = login_id.trim().to_lowercase();
        if let Some(mine) = &self.public.login_id {
            if *mine != login_id {
                return Err(ClientError::OtherAccount(mine.clone()));
            }
        }
        if self.authenticator.is_none() {
            return Err(ClientError::NoAuthenticator);
        }
        let begun: Ceremony<RequestChallengeResponse> = self
            .api
            .post("/auth/sign-in/begin", &json!({ "login_id": login_id }))
            .await?;
        let origin = self.origin.clone();
        let assertion = self
            .authenticator
            .as_mut()
            .ok_or(ClientError::NoAuthenticator)?
            .authenticate(&origin, begun.options)?;
        // The authenticator's signature counter moved: keep it even if the rest fails.
        self.save()?;
        let body = json!({
            "ceremony_id": begun.ceremony_id,
            "password": password,
            "credential": assertion,
        });
        let grant: Grant = self.api.post("/auth/sign-in/finish", &body).await?;
        let user = self.signed_in(&login_id, grant)?;
        self.ensure_device().await?;
        Ok(user)
    }

    /// Ends the session on the server and forgets its token (the device, its keys and
    /// the authenticator stay for the next sign-in).
    pub async fn sign_out(&mut self) -> Result<()> {
        let result = self
            .api
            .post::<_, serde::de::IgnoredAny>("/auth/sign-out", &json!({}))
            .await;
        self.api.set_token(None);
        self.save()?;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(401) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Joins a room with this (existing) account through a room invitation link.
    /// Members add this device to the room's channels when they next reconcile.
    pub async fn accept_invitation(&mut self, link: &str) -> Result<Accepted> {
        self.require_session()?;
        let token = link_token(link)?;
        self.api
            .post("/invitations/accept", &json!({ "token": token }))
            .await
    }

    /// Whether a session token is held (it may still have expired on the server).
    pub fn is_signed_in(&self) -> bool {
        self.api.token().is_some()
    }

    pub(crate) fn require_session(&self) -> Result<()> {
        if self.is_signed_in() {
            Ok(())
        } else {
            Err(ClientError::NotSignedIn)
        }
    }

    /// The device, or an error if it has not been set up.
    pub(crate) fn device(&self) -> Result<&MlsDevice> {
        self.device.as_ref().ok_or(ClientError::NotSignedIn)
    }

    pub(crate) fn device_id_or_err(&self) -> Result<DeviceId> {
        self.public.device_id.ok_or(ClientError::NotSignedIn)
    }

    fn signed_in(&mut self, login_id: &str, grant: Grant) -> Result<UserId> {
        if let Some(user) = self.public.user_id {
            if user != grant.user_id {
                return Err(ClientError::OtherAccount(
                    self.public.login_id.clone().unwrap_or_else(|| user.to_string()),
                ));
            }
        }
        self.public.user_id = Some(grant.user_id);
        self.public.login_id = Some(login_id.trim().to_lowercase());
        self.api.set_token(Some(Redacted::new(grant.token)));
        self.save()?;
        Ok(grant.user_id)
    }

    /// Registers this device with the server the first time, then keeps its key
    /// packages topped up.
    async fn ensure_device(&mut self) -> Result<()> {
        if self.device.is_none() {
            let user = self.public.user_id.ok_or(ClientError::NotSignedIn)?;
            let key = DeviceSigningKey::generate(&mut self.rng);
            let body = json!({
                "name": DEVICE_NAME,
                "signature_key": b64(&key.verifying_key().to_bytes()),
            });
            let registered: DeviceView = self.api.post("/devices", &body).await?;
            self.public.device_id = Some(registered.id);
            self.device = Some(MlsDevice::new(DeviceIdentity::from_signing_key(
                user,
                registered.id,
                key,
            )));
            self.secrets.key_packages_left = 0;
            self.secrets.last_resort_uploaded = false;
            // The server knows the device now: its key must never be lost.
            self.save()?;
        } else {
            // This session acts for the device, so revoking the device ends it.
            let device = self.device_id_or_err()?;
            self.api
                .post::<_, serde::de::IgnoredAny>(
                    &format!("/devices/{}/session", segment(&device.to_string())),
                    &json!({}),
                )
                .await?;
        }
        self.top_up_key_packages().await
    }

    /// Uploads one-time key packages (and, the first time, a last-resort one) when
    /// few are thought to be left. The private keys are saved before the packages
    /// leave, so a welcome can always be opened.
    pub(crate) async fn top_up_key_packages(&mut self) -> Result<()> {
        if self.secrets.key_packages_left >= KEY_PACKAGE_LOW {
            return Ok(());
        }
        let last_resort = !self.secrets.last_resort_uploaded;
        let device = self.device()?;
        let mut packages = device.generate_key_packages(KEY_PACKAGE_BATCH, false)?;
        if last_resort {
            packages.extend(device.generate_key_packages(1, true)?);
        }
        self.save()?;
        let device_id = self.device_id_or_err()?;
        let upload: Vec<KeyPackageUpload> = packages
            .iter()
            .map(|p| KeyPackageUpload {
                id: hex(&p.id),
                body: b64(&p.bytes),
                last_resort: p.last_resort,
            })
            .collect();
        let left: KeyPackagesLeft = self
            .api
            .post(
                &format!("/devices/{}/key-packages", segment(&device_id.to_string())),
                &json!({ "packages": upload }),
            )
            .await?;
        self.secrets.key_packages_left = left.left;
        self.secrets.last_resort_uploaded = true;
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_out_of_links() {
        assert_eq!(
            link_token("http://localhost:8080/#/invite/abc-DEF_123").unwrap(),
            "abc-DEF_123"
        );
        assert_eq!(link_token("abc").unwrap(), "abc");
        assert!(link_token("http://localhost:8080/#/invite/").is_err());
        assert!(link_token("http://x/#/other/abc").is_err());
    }
}
