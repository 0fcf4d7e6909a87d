//! The system register and system-user requests of the Authentication API
//! (`shared/spec/altinn3-accessmanagement.md` §5.5), behind the
//! [`SystemRegister`](tilgang_ports::SystemRegister) port.
//!
//! These calls are the vendor's own: they take a token exchanged from the vendor's Maskinporten
//! token with the system-register scopes and no system user in it, so this client has a token
//! source of its own.

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use reqwest::{Method, StatusCode, header::HeaderMap};
use tilgang_altinn3_wire::systemregister::{
    AccessPackage, CreateRequestSystemUser, RegisterSystemRequest, RegisteredSystemResponse,
    RequestSystemResponse, SystemUserExternalDto, TranslatedText, VendorDto,
};
use tilgang_domain::{
    OrgNumber, PackageCode, RequestStatus, SystemId, SystemUserInfo, SystemUserRequest,
    VendorSystem,
};
use tilgang_http::{AltinnHttp, Call, HttpSettings};
use tilgang_ports::{AltinnError, AltinnTokenSource, Registration, RequestOutcome, SystemRegister};
use url::Url;

use crate::{Altinn3Config, ConfigError, client::decode, problem};

/// The scopes the vendor's token needs for these calls (§5.3).
pub const SYSTEM_REGISTER_SCOPES: &str = "altinn:authentication/systemregister.write \
     altinn:authentication/systemuser.request.write altinn:authentication/systemuser.request.read";

/// The vendor's side of system-user onboarding.
#[derive(Clone)]
pub struct SystemRegisterClient {
    http: AltinnHttp,
    /// `{platform}/authentication/api/v1/`.
    base: Url,
}

impl fmt::Debug for SystemRegisterClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemRegisterClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl SystemRegisterClient {
    /// Builds the client over the vendor's token source (exchanged with the scopes of
    /// [`SYSTEM_REGISTER_SCOPES`], no system user).
    pub fn new(
        config: Altinn3Config,
        tokens: Arc<dyn AltinnTokenSource>,
    ) -> Result<Self, ConfigError> {
        let platform = config.platform_url.clone();
        if !matches!(platform.scheme(), "http" | "https") || platform.host().is_none() {
            return Err(ConfigError::PlatformUrl {
                url: platform.to_string(),
                reason: "it must be an http or https URL with a host",
            });
        }
        let mut base = platform;
        let path = base.path().trim_end_matches('/').to_owned();
        base.set_path(&format!("{path}/authentication/api/v1/"));
        let http = AltinnHttp::new(
            HttpSettings {
                retry: config.retry,
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
            },
            tokens,
            HeaderMap::new(),
        )
        .map_err(|e| ConfigError::HttpClient(e.0))?;
        Ok(SystemRegisterClient { http, base })
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    async fn send(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        self.http.execute(call, problem::rejection).await
    }

    /// GETs and decodes; a 404 is `None`.
    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
    ) -> Result<Option<T>, AltinnError> {
        let call = Call::get(url, crate::client::JSON);
        match self.send(&call).await {
            Ok(body) => decode(&call, &body).map(Some),
            Err(AltinnError::Rejected(r)) if r.status == StatusCode::NOT_FOUND.as_u16() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn json_call(&self, method: Method, url: Url, body: Vec<u8>, idempotent: bool) -> Call {
        Call {
            method,
            url,
            accept: crate::client::JSON,
            body: Some((crate::client::JSON, body)),
            idempotent,
        }
    }
}

#[async_trait]
impl SystemRegister for SystemRegisterClient {
    async fn register(&self, system: &VendorSystem) -> Result<Registration, AltinnError> {
        let body = serde_json::to_vec(&register_body(system)).unwrap_or_default();
        // Reading first makes a repeated `register` an update, never a duplicate: the POST is
        // not repeated after it may have been sent, the PUT (a whole replacement) may be.
        if self.system(&system.id).await?.is_some() {
            let url = self.url(&format!("systemregister/vendor/{}", system.id));
            self.send(&self.json_call(Method::PUT, url, body, true))
                .await?;
            Ok(Registration::Updated)
        } else {
            let url = self.url("systemregister/vendor");
            self.send(&self.json_call(Method::POST, url, body, false))
                .await?;
            Ok(Registration::Created)
        }
    }

    async fn system(&self, id: &SystemId) -> Result<Option<VendorSystem>, AltinnError> {
        let url = self.url(&format!("systemregister/vendor/{id}"));
        let found: Option<RegisteredSystemResponse> = self.get_optional(url).await?;
        Ok(found.and_then(|s| vendor_system(&s)))
    }

    async fn systems(&self) -> Result<Vec<VendorSystem>, AltinnError> {
        let url = self.url("systemregister/vendor");
        let found: Option<Vec<RegisteredSystemResponse>> = self.get_optional(url).await?;
        Ok(found
            .unwrap_or_default()
            .iter()
            .filter_map(vendor_system)
            .collect())
    }

    async fn request_system_user(
        &self,
        system: &SystemId,
        customer: &OrgNumber,
        packages: &[PackageCode],
        external_ref: Option<String>,
    ) -> Result<RequestOutcome, AltinnError> {
        // An open request for the same customer and reference is shown, not made again: the
        // customer may already have the link. A timed-out one does not count (Altinn makes a
        // new one then, §5.5).
        if let Some(existing) = self
            .request_for(system, customer, external_ref.clone())
            .await?
            && existing.status != RequestStatus::Timedout
        {
            return Ok(RequestOutcome {
                request: existing,
                existing: true,
            });
        }
        let mut body = CreateRequestSystemUser::new(system.as_str(), customer.as_str());
        body.external_ref = external_ref;
        body.access_packages = (!packages.is_empty()).then(|| {
            packages
                .iter()
                .map(|p| AccessPackage { urn: p.urn() })
                .collect()
        });
        let url = self.url("systemuser/request/vendor");
        let call = self.json_call(
            Method::POST,
            url,
            serde_json::to_vec(&body).unwrap_or_default(),
            // Altinn answers a repeat with the existing request (200), so repeating is safe.
            true,
        );
        let answer = self.send(&call).await?;
        let response: RequestSystemResponse = decode(&call, &answer)?;
        Ok(RequestOutcome {
            request: request_of(&response),
            existing: false,
        })
    }

    async fn request(&self, id: &str) -> Result<Option<SystemUserRequest>, AltinnError> {
        let url = self.url(&format!("systemuser/request/vendor/{id}"));
        let found: Option<RequestSystemResponse> = self.get_optional(url).await?;
        Ok(found.as_ref().map(request_of))
    }

    async fn request_for(
        &self,
        system: &SystemId,
        customer: &OrgNumber,
        external_ref: Option<String>,
    ) -> Result<Option<SystemUserRequest>, AltinnError> {
        let reference = external_ref.unwrap_or_else(|| customer.as_str().to_owned());
        let url = self.url(&format!(
            "systemuser/request/vendor/byexternalref/{system}/{customer}/{reference}"
        ));
        let found: Option<RequestSystemResponse> = self.get_optional(url).await?;
        Ok(found.as_ref().map(request_of))
    }

    async fn system_users(&self, system: &SystemId) -> Result<Vec<SystemUserInfo>, AltinnError> {
        let url = self.url(&format!("systemuser/vendor/bysystem/{system}"));
        let call = Call::get(url, crate::client::JSON);
        let body = self.send(&call).await?;
        let page: tilgang_altinn3_wire::PaginatedResult<SystemUserExternalDto> =
            decode(&call, &body)?;
        Ok(page
            .data
            .iter()
            .filter(|u| !u.is_deleted)
            .map(|u| SystemUserInfo {
                id: u.id.clone(),
                system: u.system_id.clone(),
                customer: u.reportee_org_no.clone(),
                external_ref: u.external_ref.clone(),
                name: u.integration_title.clone(),
                created: u.created.clone(),
            })
            .collect())
    }
}

fn register_body(system: &VendorSystem) -> RegisterSystemRequest {
    let text = |s: &str| -> TranslatedText {
        ["nb", "nn", "en"]
            .into_iter()
            .map(|lang| (lang.to_owned(), s.to_owned()))
            .collect()
    };
    RegisterSystemRequest {
        id: system.id.as_str().to_owned(),
        vendor: VendorDto {
            authority: Some("iso6523-actorid-upis".into()),
            id: format!("0192:{}", system.id.vendor()),
        },
        name: text(&system.name),
        description: text(system.description.as_deref().unwrap_or(&system.name)),
        rights: Vec::new(),
        access_packages: system
            .packages
            .iter()
            .map(|p| AccessPackage { urn: p.urn() })
            .collect(),
        client_id: system.client_ids.clone(),
        is_visible: true,
        allowed_redirect_urls: Vec::new(),
    }
}

fn vendor_system(s: &RegisteredSystemResponse) -> Option<VendorSystem> {
    if s.is_deleted {
        return None;
    }
    Some(VendorSystem {
        id: SystemId::parse(&s.id).ok()?,
        name: s
            .name
            .get("nb")
            .or_else(|| s.name.get("en"))
            .or_else(|| s.name.values().next())
            .cloned()
            .unwrap_or_default(),
        description: s
            .description
            .get("nb")
            .or_else(|| s.description.values().next())
            .cloned(),
        packages: s
            .access_packages
            .iter()
            .filter_map(|p| PackageCode::parse(&p.urn).ok())
            .collect(),
        client_ids: s.client_id.clone(),
    })
}

fn request_of(r: &RequestSystemResponse) -> SystemUserRequest {
    SystemUserRequest {
        id: r.id.to_string(),
        system: r.system_id.clone(),
        customer: r.party_org_no.clone(),
        external_ref: r.external_ref.clone(),
        packages: r
            .access_packages
            .iter()
            .filter_map(|p| PackageCode::parse(&p.urn).ok())
            .collect(),
        status: RequestStatus::parse(r.status.as_str()),
        confirm_url: r.confirm_url.clone(),
        created: r.created.clone(),
    }
}
