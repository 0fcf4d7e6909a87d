//! The Access Management endpoints of `shared/spec/altinn3-accessmanagement.md` §2.3, one
//! method each (E1–E16) plus the public package metadata (§6.1), as the client's own API.
//! The neutral ports are built from these in `ports.rs`.
//!
//! Every party in a query is a [`PartyUuid`], printed the one way (lower-case, hyphenated):
//! the API compares `party` with `from`/`to` as raw strings (§2.1). No paging headers are
//! sent: they are ignored, and a `links.next` is followed instead (§2.2).

use reqwest::Method;
use tilgang_altinn3_wire::{
    AccessPackageDtoCheck, AssignmentDto, AssignmentPackageDto, AuthorizedPartyDto, ConnectionDto,
    ExternalResourceRightDto, PackagePermissionDto, PaginatedResult, PersonInput, ResourceCheckDto,
    ResourcePermissionDto, RightKeyListDto, RolePermissionDto,
    meta::{PackageDto, SearchObject},
};
use tilgang_domain::{PackageCode, PartyUuid, ResourceId, RoleCode};
use tilgang_http::Call;
use tilgang_ports::AltinnError;

use crate::client::{Altinn3Client, JSON, decode};

const CONNECTIONS: &str = "enduser/connections";
const PACKAGES: &str = "enduser/connections/accesspackages";
const PACKAGE_CHECK: &str = "enduser/connections/accesspackages/delegationcheck";
const RESOURCES: &str = "enduser/connections/resources";
const RESOURCE_RIGHTS: &str = "enduser/connections/resources/rights";
const RESOURCE_CHECK: &str = "enduser/connections/resources/delegationcheck";
const ROLES: &str = "enduser/connections/roles";

/// The three parties of a to-others query: the organisation acting (`party` = `from`) and
/// the right holder (`to`).
fn pair<'a>(org: &'a str, to: &'a str) -> [(&'static str, &'a str); 3] {
    [("party", org), ("from", org), ("to", to)]
}

impl Altinn3Client {
    /// E1: the parties the system user may act for, with their access packages.
    pub async fn authorized_parties(&self) -> Result<Vec<AuthorizedPartyDto>, AltinnError> {
        let url = self.url(
            "enduser/authorizedparties",
            &[("includeAccessPackages", "true")],
        );
        self.get_all(url).await
    }

    /// E2: the right holders of `org` (`party=from=org`), or one of them with `to`.
    pub async fn connections(
        &self,
        org: PartyUuid,
        to: Option<PartyUuid>,
    ) -> Result<Vec<ConnectionDto>, AltinnError> {
        let org = org.to_string();
        let to = to.map(|t| t.to_string());
        let mut query = vec![("party", org.as_str()), ("from", org.as_str())];
        if let Some(to) = &to {
            query.push(("to", to));
        }
        self.get_all(self.url(CONNECTIONS, &query)).await
    }

    /// E3: makes the person named by number and last name a right holder of `org`. Altinn
    /// answers with the existing link if there is one. Never repeated once it may have been
    /// sent: each failed person lookup counts towards a limit of two an hour (AM-00026).
    pub async fn add_person(
        &self,
        org: PartyUuid,
        person: &PersonInput,
    ) -> Result<AssignmentDto, AltinnError> {
        let org = org.to_string();
        let url = self.url(CONNECTIONS, &[("party", &org)]);
        let body = serde_json::to_vec(person).unwrap_or_default();
        let call = self.write(Method::POST, url, Some(body), false);
        // A failure forgets the listing: a request whose answer was lost may still have made
        // the person a right holder, and the next grant should find them in a fresh listing
        // rather than send E3 again. A success keeps it for lookups (see `holders_added`).
        let answer = match self.send(&call).await {
            Ok(answer) => answer,
            Err(e) => {
                self.forget_holders(&org);
                return Err(e);
            }
        };
        self.holders_added(&org);
        decode(&call, &answer)
    }

    /// E3 with `to`: makes an existing party (an organisation, or a system user) a right
    /// holder of `org`. Repeating it returns the same link, so it is safe to retry.
    pub async fn add_party(
        &self,
        org: PartyUuid,
        to: PartyUuid,
    ) -> Result<AssignmentDto, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let url = self.url(CONNECTIONS, &[("party", &org), ("to", &to)]);
        let call = self.write(Method::POST, url, None, true);
        // As in `add_person`.
        let answer = match self.send(&call).await {
            Ok(answer) => answer,
            Err(e) => {
                self.forget_holders(&org);
                return Err(e);
            }
        };
        self.holders_added(&org);
        decode(&call, &answer)
    }

    /// E4: removes the right holder `to` from `org`; with `cascade`, everything they hold
    /// from `org` goes too. Idempotent (204 when nothing existed).
    pub async fn remove_connection(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        cascade: bool,
    ) -> Result<(), AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let mut query = pair(&org, &to).to_vec();
        if cascade {
            query.push(("cascade", "true"));
        }
        let call = self.write(Method::DELETE, self.url(CONNECTIONS, &query), None, true);
        let result = self.send(&call).await.map(drop);
        self.forget_holders(&org);
        result
    }

    /// E5: the access packages `to` holds from `org`, each with every path it is held by.
    pub async fn packages(
        &self,
        org: PartyUuid,
        to: PartyUuid,
    ) -> Result<Vec<PackagePermissionDto>, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        self.get_all(self.url(PACKAGES, &pair(&org, &to))).await
    }

    /// E6: gives `to` the package. Idempotent: the existing assignment is returned, so it is
    /// safe to retry.
    pub async fn add_package(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        package: &PackageCode,
    ) -> Result<AssignmentPackageDto, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let url = self.url(
            PACKAGES,
            &[("party", &org), ("to", &to), ("package", package.as_str())],
        );
        let call = self.write(Method::POST, url, None, true);
        let answer = self.send(&call).await?;
        decode(&call, &answer)
    }

    /// E7: takes the package from `to`. Idempotent.
    pub async fn remove_package(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        package: &PackageCode,
    ) -> Result<(), AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let mut query = pair(&org, &to).to_vec();
        query.push(("package", package.as_str()));
        let call = self.write(Method::DELETE, self.url(PACKAGES, &query), None, true);
        self.send(&call).await.map(drop)
    }

    /// E8: whether the system user may give each of `packages` from `org`, and why.
    pub async fn package_check(
        &self,
        org: PartyUuid,
        packages: &[PackageCode],
    ) -> Result<Vec<AccessPackageDtoCheck>, AltinnError> {
        let org = org.to_string();
        let mut query = vec![("party", org.as_str())];
        query.extend(packages.iter().map(|p| ("packages", p.as_str())));
        self.get_all(self.url(PACKAGE_CHECK, &query)).await
    }

    /// E9: the resources `to` holds rights on from `org` (a bare array).
    pub async fn resources(
        &self,
        org: PartyUuid,
        to: PartyUuid,
    ) -> Result<Vec<ResourcePermissionDto>, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        self.get(self.url(RESOURCES, &pair(&org, &to))).await
    }

    /// E10: the rights (right keys and actions) `to` holds on one resource, direct and
    /// indirect (a bare object).
    pub async fn resource_rights(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        resource: &ResourceId,
    ) -> Result<ExternalResourceRightDto, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let mut query = pair(&org, &to).to_vec();
        query.push(("resource", resource.as_str()));
        self.get(self.url(RESOURCE_RIGHTS, &query)).await
    }

    /// E11: the right keys of the resource and whether the system user may give each.
    pub async fn resource_check(
        &self,
        org: PartyUuid,
        resource: &ResourceId,
    ) -> Result<ResourceCheckDto, AltinnError> {
        let org = org.to_string();
        let url = self.url(
            RESOURCE_CHECK,
            &[("party", &org), ("resource", resource.as_str())],
        );
        self.get(url).await
    }

    /// E12: adds right keys (only keys E11 offered). Not repeated once it may have been sent.
    pub async fn add_resource_rights(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        resource: &ResourceId,
        keys: Vec<String>,
    ) -> Result<(), AltinnError> {
        self.put_keys(Method::POST, org, to, resource, keys, false)
            .await
    }

    /// E13: replaces the key set `to` holds on the resource. Replacing is idempotent.
    pub async fn replace_resource_rights(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        resource: &ResourceId,
        keys: Vec<String>,
    ) -> Result<(), AltinnError> {
        self.put_keys(Method::PUT, org, to, resource, keys, true)
            .await
    }

    async fn put_keys(
        &self,
        method: Method,
        org: PartyUuid,
        to: PartyUuid,
        resource: &ResourceId,
        keys: Vec<String>,
        idempotent: bool,
    ) -> Result<(), AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let url = self.url(
            RESOURCE_RIGHTS,
            &[
                ("party", &org),
                ("to", &to),
                ("resource", resource.as_str()),
            ],
        );
        let body = serde_json::to_vec(&RightKeyListDto {
            direct_right_keys: keys,
        })
        .unwrap_or_default();
        let call = self.write(method, url, Some(body), idempotent);
        self.send(&call).await.map(drop)
    }

    /// E14: removes every right `to` holds on the resource. Idempotent.
    pub async fn remove_resource(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        resource: &ResourceId,
    ) -> Result<(), AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let mut query = pair(&org, &to).to_vec();
        query.push(("resource", resource.as_str()));
        let call = self.write(Method::DELETE, self.url(RESOURCES, &query), None, true);
        self.send(&call).await.map(drop)
    }

    /// E15: the roles `to` holds from `org`: ER roles, the right-holder link and imported
    /// Altinn 2 roles.
    pub async fn roles(
        &self,
        org: PartyUuid,
        to: PartyUuid,
    ) -> Result<Vec<RolePermissionDto>, AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        self.get_all(self.url(ROLES, &pair(&org, &to))).await
    }

    /// E16: removes an imported Altinn 2 role (`rolecode`, lower case). Idempotent.
    pub async fn remove_role(
        &self,
        org: PartyUuid,
        to: PartyUuid,
        role: &RoleCode,
    ) -> Result<(), AltinnError> {
        let (org, to) = (org.to_string(), to.to_string());
        let mut query = pair(&org, &to).to_vec();
        query.push(("rolecode", role.as_str()));
        let call = self.write(Method::DELETE, self.url(ROLES, &query), None, true);
        self.send(&call).await.map(drop)
    }

    /// The access-package catalogue matching `term` (§6.1 `search`); public, no token.
    /// The answer is a list of hits, each wrapping a package with its score (read bare or
    /// wrapped in `{links, data}`, as every list of the wire model).
    pub async fn search_packages(&self, term: &str) -> Result<Vec<PackageDto>, AltinnError> {
        let url = self.url("meta/info/accesspackages/search", &[("term", term)]);
        let call = Call::get(url, JSON);
        let body = self.send_public(&call).await?;
        let hits: PaginatedResult<SearchObject<PackageDto>> = decode(&call, &body)?;
        Ok(hits.data.into_iter().map(|hit| hit.object).collect())
    }

    /// One access package by its URN (§6.1 `package/urn/{urnValue}`); public, no token.
    pub async fn package_by_urn(&self, package: &PackageCode) -> Result<PackageDto, AltinnError> {
        let url = self.url(
            &format!("meta/info/accesspackages/package/urn/{}", package.urn()),
            &[],
        );
        let call = Call::get(url, JSON);
        let body = self.send_public(&call).await?;
        decode(&call, &body)
    }
}
