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
use tilgang_altinn3_wire::{
    PaginatedResult,
    systemregister::{
        AccessPackage, CreateRequestSystemUser, RegisterSystemRequest, RegisteredSystemResponse,
        RequestSystemResponse, SystemUserExternalDto, TranslatedText, VendorDto,
    },
};
use tilgang_domain::{
    OrgNumber, PackageCode, PartyUuid, RequestStatus, SystemId, SystemUserInfo, SystemUserRequest,
    VendorSystem,
};
use tilgang_http::{AltinnHttp, Call, HttpSettings};
use tilgang_ports::{
    AltinnError, AltinnTokenSource, DecodeError, Registration, RequestOutcome, SystemRegister,
};
use url::Url;

use crate::{Altinn3Config, ConfigError, client::decode, problem};

/// The scopes the vendor's token needs for these calls (§5.3).
pub const SYSTEM_REGISTER_SCOPES: &str = "altinn:authentication/systemregister.write \
     altinn:authentication/systemuser.request.write altinn:authentication/systemuser.request.read";

/// The code of a 404 that says the system is not in the register (§5.5).
const SYSTEM_NOT_FOUND: &str = "AUTH-00011";

/// Paging stops with an error after this many pages, so a server whose `links.next` loops
/// cannot keep the client busy for ever.
const MAX_PAGES: usize = 1_000;

/// What a 404 on a read means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Absent {
    /// Any 404 is "not there" (reading a system, where AUTH-00011 is exactly that).
    AnyNotFound,
    /// A 404 is "not there" unless it says the system is unknown (AUTH-00011): reading a
    /// request of an unregistered system must say so, not send the user to make a request,
    /// which would fail in turn.
    UnlessSystemUnknown,
}

fn paging_error(path: &str, message: String) -> AltinnError {
    AltinnError::Decode {
        path: path.to_owned(),
        error: DecodeError {
            path: "links.next".into(),
            message,
        },
    }
}

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

    /// The URL of `segments` below the base, each percent-encoded as one path segment, so a
    /// `/`, `?` or `#` in a vendor's reference cannot move the request to another path or
    /// into a query.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn send(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        self.http.execute(call, problem::rejection).await
    }

    /// GETs and decodes; a 404 is `None`, except one that says the system is unknown
    /// (`AUTH-00011`) where `absent` asks for that to be told.
    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        absent: Absent,
    ) -> Result<Option<T>, AltinnError> {
        let call = Call::get(url, crate::client::JSON);
        match self.send(&call).await {
            Ok(body) => decode(&call, &body).map(Some),
            Err(AltinnError::Rejected(r))
                if r.status == StatusCode::NOT_FOUND.as_u16()
                    && (absent == Absent::AnyNotFound || !r.has_code(SYSTEM_NOT_FOUND)) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// GETs a wrapped list and every page after it that `links.next` names (the system-user
    /// listing pages with a continuation `token`, §5.5).
    async fn get_all<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
    ) -> Result<Vec<T>, AltinnError> {
        let mut items = Vec::new();
        let mut next = Some(url);
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else {
                return Ok(items);
            };
            let call = Call::get(url.clone(), crate::client::JSON);
            let body = self.send(&call).await?;
            let page: PaginatedResult<T> = decode(&call, &body)?;
            if let Some(link) = page.next() {
                next = Some(self.next_page(&url, link)?);
            }
            items.extend(page.data);
        }
        Err(paging_error(
            self.base.path(),
            format!("paging did not end after {MAX_PAGES} pages"),
        ))
    }

    /// The next page's URL. A relative reference resolves against the page it came from; a
    /// page on another host is not followed, because the request carries the vendor's token.
    fn next_page(&self, current: &Url, link: &str) -> Result<Url, AltinnError> {
        let next = current
            .join(link)
            .map_err(|e| paging_error(current.path(), format!("not a URI reference: {e}")))?;
        if next.origin() != self.base.origin() {
            return Err(paging_error(
                current.path(),
                "the next page is on another host; not following it with the Altinn token".into(),
            ));
        }
        Ok(next)
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
            let url = self.url(&["systemregister", "vendor", system.id.as_str()]);
            self.send(&self.json_call(Method::PUT, url, body, true))
                .await?;
            Ok(Registration::Updated)
        } else {
            let url = self.url(&["systemregister", "vendor"]);
            self.send(&self.json_call(Method::POST, url, body, false))
                .await?;
            Ok(Registration::Created)
        }
    }

    async fn system(&self, id: &SystemId) -> Result<Option<VendorSystem>, AltinnError> {
        let url = self.url(&["systemregister", "vendor", id.as_str()]);
        // Here AUTH-00011 answers the question: the system is not registered.
        let found: Option<RegisteredSystemResponse> =
            self.get_optional(url, Absent::AnyNotFound).await?;
        Ok(found.and_then(|s| vendor_system(&s)))
    }

    async fn systems(&self) -> Result<Vec<VendorSystem>, AltinnError> {
        let url = self.url(&["systemregister", "vendor"]);
        let found: Option<Vec<RegisteredSystemResponse>> =
            self.get_optional(url, Absent::AnyNotFound).await?;
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
        let url = self.url(&["systemuser", "request", "vendor"]);
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
        // Request ids are UUIDs. Anything else could not name a request, and as a path segment
        // `..` would even reach another endpoint, so it is refused before anything is sent.
        let id = PartyUuid::parse(id).map_err(|_| {
            AltinnError::InvalidInput(format!(
                "{id:?} is not a system-user request id (a UUID such as \
                 0195f2a1-7c3d-7e4f-8a9b-0c1d2e3f4a5b)"
            ))
        })?;
        let id = id.to_string();
        let url = self.url(&["systemuser", "request", "vendor", &id]);
        let found: Option<RequestSystemResponse> =
            self.get_optional(url, Absent::UnlessSystemUnknown).await?;
        Ok(found.as_ref().map(request_of))
    }

    async fn request_for(
        &self,
        system: &SystemId,
        customer: &OrgNumber,
        external_ref: Option<String>,
    ) -> Result<Option<SystemUserRequest>, AltinnError> {
        let reference = external_ref
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| customer.as_str().to_owned());
        // A path segment `.` or `..` is dropped or climbs when the URL is built, so such a
        // reference could only read some other request; none is sent.
        if reference == "." || reference == ".." {
            return Err(AltinnError::InvalidInput(format!(
                "{reference:?} cannot be an external reference"
            )));
        }
        let url = self.url(&[
            "systemuser",
            "request",
            "vendor",
            "byexternalref",
            system.as_str(),
            customer.as_str(),
            &reference,
        ]);
        let found: Option<RequestSystemResponse> =
            self.get_optional(url, Absent::UnlessSystemUnknown).await?;
        Ok(found.as_ref().map(request_of))
    }

    async fn system_users(&self, system: &SystemId) -> Result<Vec<SystemUserInfo>, AltinnError> {
        let url = self.url(&["systemuser", "vendor", "bysystem", system.as_str()]);
        let users: Vec<SystemUserExternalDto> = self.get_all(url).await?;
        Ok(users
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
