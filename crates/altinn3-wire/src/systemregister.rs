//! The system register and the system-user request API of the Authentication component
//! (§5.5): registering a vendor system, asking a customer for a system user, and reading the
//! system user that results.
//!
//! These are a later phase and the spec gives them briefly, so the response DTOs read
//! leniently: absent lists are empty, and [`RegisteredSystemResponse`] keeps every key it does
//! not name. Request-body field names are as the spec shows them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::util::{dto, null_as_default};

/// A localised text: language (`nb`, `nn`, `en`) to text.
pub type TranslatedText = BTreeMap<String, String>;

fn default_true() -> bool {
    true
}

/// Reads `null` or an absent field as `true` (the default of `isVisible`).
fn null_as_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

/// Reads a boolean, and anything else (`null`, a timestamp, …) as `None`: the spec does not
/// give the type of `timedOut`/`escalated` \[I\], and the status already says whether a request
/// timed out.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(d)?.as_bool())
}

dto! {
    /// The vendor of a system: `{authority, ID}` (§5.5).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct VendorDto {
        /// The identifier scheme, e.g. `iso6523-actorid-upis`. A C# field the server probably
        /// ignores \[I\]; omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authority: Option<String> = "authority" | "Authority",
        /// The vendor's id, e.g. `0192:991825827`, under the upper-case key `ID`. Not
        /// nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        id: String = "ID" | "id" | "Id",
    }
}

dto! {
    /// One resource attribute of a [`Right`]: `{id, value}` (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AttributePair {
        /// The attribute id, e.g. `urn:altinn:resource`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        id: String = "id" | "Id" | "ID",
        /// The value, e.g. `ttd-hr-rapport`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        value: String = "value" | "Value",
    }
}

dto! {
    /// A right a system asks for: `{action, resource: [{id, value}]}` (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct Right {
        /// The action, e.g. `read`. Nullable.
        #[serde(default)]
        action: Option<String> = "action" | "Action",
        /// The resource attributes. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        resource: Vec<AttributePair> = "resource" | "Resource",
    }
}

dto! {
    /// An access package a system asks for: `{urn}` (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessPackage {
        /// The package URN, `urn:altinn:accesspackage:<code>`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
    }
}

dto! {
    /// `POST systemregister/vendor` and `PUT …/{systemId}`: a vendor system (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RegisterSystemRequest {
        /// The system id, `<vendororgno>_<name>`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        id: String = "id" | "Id" | "ID",
        /// The vendor. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        vendor: VendorDto = "vendor" | "Vendor",
        /// The name per language. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        name: TranslatedText = "name" | "Name",
        /// The description per language. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        description: TranslatedText = "description" | "Description",
        /// The single rights the system needs. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        rights: Vec<Right> = "rights" | "Rights",
        /// The access packages the system needs. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        access_packages: Vec<AccessPackage> =
            "accessPackages" | "AccessPackages" | "accesspackages",
        /// The vendor's Maskinporten client ids. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        client_id: Vec<String> = "clientId" | "ClientId" | "clientid",
        /// Whether customers can find the system. Not nullable; `true` when absent or null.
        #[serde(default = "default_true", deserialize_with = "null_as_true")]
        is_visible: bool = "isVisible" | "IsVisible" | "isvisible",
        /// Where a customer may be sent after a request. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        allowed_redirect_urls: Vec<String> =
            "allowedRedirectUrls" | "AllowedRedirectUrls" | "allowedredirecturls",
    }
}

dto! {
    /// `GET systemregister/vendor[/{systemId}]`: a registered system (§5.5). The spec does not
    /// list its fields; this reads those of the request plus `isDeleted` \[I\] and keeps every
    /// other key in `extra`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RegisteredSystemResponse {
        /// The system id. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        id: String = "id" | "Id" | "ID",
        /// The vendor. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        vendor: VendorDto = "vendor" | "Vendor",
        /// The name per language. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        name: TranslatedText = "name" | "Name",
        /// The description per language. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        description: TranslatedText = "description" | "Description",
        /// The single rights. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        rights: Vec<Right> = "rights" | "Rights",
        /// The access packages. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        access_packages: Vec<AccessPackage> =
            "accessPackages" | "AccessPackages" | "accesspackages",
        /// The Maskinporten client ids. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        client_id: Vec<String> = "clientId" | "ClientId" | "clientid",
        /// Whether customers can find the system. Not nullable; `true` when absent or null.
        #[serde(default = "default_true", deserialize_with = "null_as_true")]
        is_visible: bool = "isVisible" | "IsVisible" | "isvisible",
        /// Where a customer may be sent after a request. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        allowed_redirect_urls: Vec<String> =
            "allowedRedirectUrls" | "AllowedRedirectUrls" | "allowedredirecturls",
        /// Whether the system is deleted (updates then answer 400) \[I\]. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_deleted: bool = "isDeleted" | "IsDeleted" | "isdeleted",
        /// Every other key, kept as sent.
        #[serde(flatten)]
        extra: BTreeMap<String, Value>,
    }
}

dto! {
    /// The answer of the register's `PUT`s: `{"succeeded": true}` \[I name\] (§5.5).
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct SucceededResponse {
        /// Whether the update took. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        succeeded: bool = "succeeded" | "Succeeded",
    }
}

dto! {
    /// `POST systemuser/request/vendor`: ask a customer for a system user (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CreateRequestSystemUser {
        /// The title the customer sees. Nullable (optional).
        #[serde(default)]
        integration_title: Option<String> =
            "integrationTitle" | "IntegrationTitle" | "integrationtitle",
        /// The vendor's reference; the server defaults it to `partyOrgNo`. Nullable
        /// (optional).
        #[serde(default)]
        external_ref: Option<String> = "externalRef" | "ExternalRef" | "externalref",
        /// The registered system. Required.
        #[serde(default, deserialize_with = "null_as_default")]
        system_id: String = "systemId" | "SystemId" | "systemid",
        /// The customer's organisation number. Required.
        #[serde(default, deserialize_with = "null_as_default")]
        party_org_no: String = "partyOrgNo" | "PartyOrgNo" | "partyorgno",
        /// The single rights asked for. Nullable (optional).
        #[serde(default)]
        rights: Option<Vec<Right>> = "rights" | "Rights",
        /// The access packages asked for. Nullable (optional).
        #[serde(default)]
        access_packages: Option<Vec<AccessPackage>> =
            "accessPackages" | "AccessPackages" | "accesspackages",
        /// Where to send the customer afterwards; must be one of the system's allowed URLs.
        /// Nullable (optional).
        #[serde(default)]
        redirect_url: Option<String> = "redirectUrl" | "RedirectUrl" | "redirecturl",
    }
}

impl CreateRequestSystemUser {
    /// A request for `system_id` at `party_org_no` with nothing else set.
    pub fn new(system_id: impl Into<String>, party_org_no: impl Into<String>) -> Self {
        CreateRequestSystemUser {
            integration_title: None,
            external_ref: None,
            system_id: system_id.into(),
            party_org_no: party_org_no.into(),
            rights: None,
            access_packages: None,
            redirect_url: None,
        }
    }
}

tilgang_domain::text_enum! {
    /// The status of a system-user request (§5.5). Unknown values are kept.
    RequestStatus {
        /// `New`: waiting for the customer.
        New = "New",
        /// `Accepted`: the system user exists.
        Accepted = "Accepted",
        /// `Rejected`: the customer said no.
        Rejected = "Rejected",
        /// `Denied`.
        Denied = "Denied",
        /// `Timedout`: nobody answered in time; a new request may be made.
        Timedout = "Timedout" | "TimedOut",
    }
}

dto! {
    /// A system-user request as the server keeps it (§5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RequestSystemResponse {
        /// The request id (`…/systemuser/request/{id}`). Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The title. Nullable.
        #[serde(default)]
        integration_title: Option<String> =
            "integrationTitle" | "IntegrationTitle" | "integrationtitle",
        /// The vendor's reference (defaults to `partyOrgNo`). Nullable.
        #[serde(default)]
        external_ref: Option<String> = "externalRef" | "ExternalRef" | "externalref",
        /// The registered system. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        system_id: String = "systemId" | "SystemId" | "systemid",
        /// The customer's organisation number. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        party_org_no: String = "partyOrgNo" | "PartyOrgNo" | "partyorgno",
        /// The single rights asked for. Not nullable (read as empty if null).
        #[serde(default, deserialize_with = "null_as_default")]
        rights: Vec<Right> = "rights" | "Rights",
        /// The access packages asked for. Not nullable (read as empty if null).
        #[serde(default, deserialize_with = "null_as_default")]
        access_packages: Vec<AccessPackage> =
            "accessPackages" | "AccessPackages" | "accesspackages",
        /// The status. Not nullable.
        status: RequestStatus = "status" | "Status",
        /// Where the customer is sent afterwards. Nullable.
        #[serde(default)]
        redirect_url: Option<String> = "redirectUrl" | "RedirectUrl" | "redirecturl",
        /// Where the customer approves:
        /// `https://am.ui.{HostName}/accessmanagement/ui/systemuser/request?id={id}&DONTCHOOSEREPORTEE=true`.
        /// Nullable.
        #[serde(default)]
        confirm_url: Option<String> = "confirmUrl" | "ConfirmUrl" | "confirmurl",
        /// Whether the request was escalated. Nullable; a non-boolean reads as null \[I\].
        #[serde(default, deserialize_with = "lenient_bool")]
        escalated: Option<bool> = "escalated" | "Escalated",
        /// When it was created, ISO 8601 as written. Nullable.
        #[serde(default)]
        created: Option<String> = "created" | "Created",
        /// Whether it timed out. Nullable; a non-boolean reads as null \[I\].
        #[serde(default, deserialize_with = "lenient_bool")]
        timed_out: Option<bool> = "timedOut" | "TimedOut" | "timedout",
    }
}

tilgang_domain::text_enum! {
    /// The kind of a system user (`userType`, §5.5) \[I values\]. Unknown values are kept.
    SystemUserType {
        /// `Standard`: acts for the customer itself.
        Standard = "Standard",
        /// `Agent`: acts for the customer's clients.
        Agent = "Agent",
    }
}

dto! {
    /// A system user as the vendor sees it (`SystemUserExternalDTO`, §5.5).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SystemUserExternalDto {
        /// The system user id. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        id: String = "id" | "Id" | "ID",
        /// The title. Nullable.
        #[serde(default)]
        integration_title: Option<String> =
            "integrationTitle" | "IntegrationTitle" | "integrationtitle",
        /// The registered system. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        system_id: String = "systemId" | "SystemId" | "systemid",
        /// The product name. Nullable.
        #[serde(default)]
        product_name: Option<String> = "productName" | "ProductName" | "productname",
        /// The customer's organisation number. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        reportee_org_no: String = "reporteeOrgNo" | "ReporteeOrgNo" | "reporteeorgno",
        /// When it was created, ISO 8601 as written. Nullable.
        #[serde(default)]
        created: Option<String> = "created" | "Created",
        /// Whether it is deleted. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_deleted: bool = "isDeleted" | "IsDeleted" | "isdeleted",
        /// The vendor's name. Nullable.
        #[serde(default)]
        supplier_name: Option<String> = "supplierName" | "SupplierName" | "suppliername",
        /// The vendor's organisation number (note the lower-case `o` of `Orgno`). Nullable.
        #[serde(default)]
        supplier_orgno: Option<String> =
            "supplierOrgno" | "SupplierOrgno" | "supplierorgno" | "supplierOrgNo",
        /// The vendor's reference. Nullable.
        #[serde(default)]
        external_ref: Option<String> = "externalRef" | "ExternalRef" | "externalref",
        /// The kind of system user. Nullable.
        #[serde(default)]
        user_type: Option<SystemUserType> = "userType" | "UserType" | "usertype",
    }
}
