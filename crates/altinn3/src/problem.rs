//! How Altinn 3 words a refusal: ProblemDetails (`shared/spec/altinn3-accessmanagement.md` §4)
//! read into the ports' [`Rejection`], with every code, the validation errors and their paths,
//! and advice that says what to do.
//!
//! The body is read as loose JSON with case-insensitive keys, because refusals come in several
//! shapes: ProblemDetails with `code` (and `validationErrors` under `STD-00000`), ASP.NET's
//! model-binding `errors` dictionary without a code, a bare JSON string (E1's
//! `"Unknown user type"`), or an empty body (401 and 403). Only `code` is keyed on: `type`,
//! `title` and `detail` change between ProblemDetails library versions.

use serde_json::Value;
use tilgang_http::{Answer, Call};
use tilgang_ports::{Rejection, ValidationIssue};

/// The ports' rejection for a non-2xx answer.
pub(crate) fn rejection(call: &Call, answer: Answer) -> Rejection {
    let parsed: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let mut codes = Vec::new();
    let mut validation = Vec::new();
    if let Some(Value::Object(map)) = &parsed {
        if let Some(code) = field(map, "code").and_then(Value::as_str) {
            codes.push(code.to_owned());
        }
        if let Some(Value::Array(items)) = field(map, "validationErrors") {
            for item in items {
                let Value::Object(item) = item else { continue };
                let code = field(item, "code")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let paths = match field(item, "paths") {
                    Some(Value::Array(p)) => p
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                };
                let detail = field(item, "detail")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                // Every other string is an extension, flattened into the item (§4.1).
                let extensions = item
                    .iter()
                    .filter(|(k, _)| {
                        !["code", "detail", "paths"]
                            .iter()
                            .any(|known| k.eq_ignore_ascii_case(known))
                    })
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect();
                if !code.is_empty() {
                    codes.push(code.clone());
                }
                validation.push(ValidationIssue {
                    code,
                    paths,
                    detail,
                    extensions,
                });
            }
        }
        // ASP.NET's model-binding problems: `errors: {name: [message]}` and no code.
        if let Some(Value::Object(errors)) = field(map, "errors") {
            for (name, messages) in errors {
                let detail = match messages {
                    Value::Array(m) => m
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                validation.push(ValidationIssue {
                    code: String::new(),
                    paths: vec![name.clone()],
                    detail: Some(detail),
                    extensions: Vec::new(),
                });
            }
        }
    }
    let status = answer.status.as_u16();
    Rejection {
        method: call.method.to_string(),
        path: call.path(),
        status,
        advice: advice(status, &codes, call.path().as_str()),
        codes,
        validation,
        body: answer.body_text(),
        reason: answer.reason,
        retry_after: answer.retry_after,
    }
}

/// A key of a JSON object, ignoring ASCII case.
fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The path below which the Authentication API's onboarding endpoints live (§5.5).
const ONBOARDING_PATH: &str = "/authentication/api/v1/";

/// What the codes mean for the request and what to do, most specific first. Validation codes
/// are read per endpoint where the two registries disagree (§4.3): `AM.VLD-00030` on the
/// resource delete means an unknown resource.
fn advice(status: u16, codes: &[String], path: &str) -> String {
    let has = |code: &str| codes.iter().any(|c| c == code);
    let text = if has("AUTH-00004") {
        "that customer already has a system user for this system: `altinn systemuser list` \
         shows it"
    } else if has("AUTH-00011") {
        "no such system in the system register: register it first with `altinn system register`"
    } else if has("AUTH-00052") {
        "one of the access packages is unknown or not assignable: a system may ask only for \
         packages that can be assigned"
    } else if has("AUTH-00023") {
        "the token names no vendor organisation: use the vendor's own Maskinporten client"
    } else if has("AM-00026") {
        "Altinn blocks person lookups for an hour after two failed ones (the count is shared by \
         every system user on the Altinn instance): wait before adding a person again, and \
         check the fødselsnummer and last name first"
    } else if has("AM.VLD-00034") {
        "the fødselsnummer and last name do not match a person in Altinn's register (Altinn \
         compares the first four letters of the last name); a failed lookup counts towards \
         Altinn's limit of two an hour"
    } else if has("AM-00022") {
        "the person is not a right holder of the organisation: add them as a right holder first"
    } else if has("AM.VLD-00026") {
        "your system user may not give that access package: a system user can give only the \
         packages it holds directly itself (or any package if it holds hovedadministrator); \
         ask the customer organisation to give the system user the package"
    } else if has("AM.VLD-00028") {
        "that access package cannot be given to this kind of recipient \
         (hovedadministrator not to an organisation, skjemaoppgaver not to a system user)"
    } else if has("AM-00041") || has("AM.VLD-00048") {
        "that access package is not valid for the organisation's kind of party (organisation \
         packages come from organisations, innbygger packages from persons)"
    } else if has("AM.VLD-00011") {
        "no such access package: check the code against `altinn packages search`"
    } else if has("AM-00027") || (has("AM.VLD-00030") && path.ends_with("/resources")) {
        "no such resource in the Resource Registry: check the resource id"
    } else if has("AM-00028") {
        "your system user may not delegate those rights on the resource (the delegation \
         check refused them)"
    } else if has("AM.VLD-00035") {
        "the resource is held only through a client delegation, which is removed elsewhere"
    } else if has("AM.VLD-00010") {
        "the right holder still holds accesses: revoke them first, or remove the right holder \
         with cascade"
    } else if has("AM-00039") {
        "no such role code"
    } else if has("AM-00040") {
        "that role cannot be revoked here: only imported Altinn 2 roles held directly can be"
    } else if has("AM.VLD-00006") {
        "one of the parties does not exist in Altinn"
    } else if has("AM.VLD-00008") {
        "this kind of party is not allowed here"
    } else if has("AM-00021") {
        "neither party exists in Altinn"
    } else if has("AM-00033") {
        "no right keys were sent"
    } else if path.contains(ONBOARDING_PATH) {
        // The system register and system-user requests are called with the vendor's own
        // token, not a system user's, so the enduser advice below would mislead here.
        match status {
            401 => {
                "the vendor's Altinn token was refused (it expired, or it was not exchanged \
                 from the vendor's own Maskinporten token)"
            }
            403 => {
                "the vendor may not do this: the Maskinporten client needs the scopes \
                 altinn:authentication/systemregister.write, \
                 altinn:authentication/systemuser.request.write and \
                 altinn:authentication/systemuser.request.read, and a system belongs to the \
                 vendor whose organisation number starts its id"
            }
            _ => "",
        }
    } else {
        match status {
            401 => {
                "the Altinn token was refused (it expired, or it was not exchanged from a \
                 Maskinporten token)"
            }
            403 => {
                "the system user may not do this for that organisation: it needs the \
                 tilgangsstyrer (or hovedadministrator) package there, and the Maskinporten \
                 client the enduser:connections scope for the operation"
            }
            _ => "",
        }
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use reqwest::{Method, StatusCode};
    use tilgang_http::Call;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            reason: "x".into(),
            retry_after: None,
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    fn call(path: &str) -> Call {
        Call::get(
            url::Url::parse(&format!("https://p{path}?party=x")).unwrap(),
            "application/json",
        )
    }

    #[test]
    fn validation_codes_and_paths_are_kept() {
        let body = r#"{ "type": "t", "title": "Bad Request", "status": 400,
          "detail": "One or more validation errors occurred.", "code": "STD-00000",
          "validationErrors": [
            { "code": "AM.VLD-00034", "detail": "Given external identifiers yielded empty result.",
              "paths": ["/PersonIdentifier", "/LastName"], "personInput": "PersonInput details must match" } ] }"#;
        let r = rejection(&call("/enduser/connections"), answer(400, body));
        assert_eq!(r.codes, ["STD-00000", "AM.VLD-00034"]);
        assert_eq!(r.validation[0].paths, ["/PersonIdentifier", "/LastName"]);
        assert_eq!(
            r.validation[0].extensions,
            [(
                "personInput".to_owned(),
                "PersonInput details must match".to_owned()
            )]
        );
        assert!(r.advice.contains("first four letters"), "{}", r.advice);
        assert_eq!(r.method, Method::GET.to_string());
    }

    #[test]
    fn keys_are_read_without_regard_to_case_and_other_shapes_are_kept_as_text() {
        let r = rejection(
            &call("/x"),
            answer(429, r#"{"Status":429,"Detail":"x","Code":"AM-00026"}"#),
        );
        assert_eq!(r.codes, ["AM-00026"]);
        assert!(r.advice.contains("an hour"));
        let r = rejection(&call("/x"), answer(401, r#""Unknown user type""#));
        assert!(r.codes.is_empty());
        assert!(r.body.contains("Unknown user type"));
        let r = rejection(&call("/x"), answer(403, ""));
        assert!(r.advice.contains("tilgangsstyrer"), "{}", r.advice);
        let r = rejection(
            &call("/x"),
            answer(400, r#"{"errors":{"to":["The value 'x' is not valid."]}}"#),
        );
        assert_eq!(r.validation[0].paths, ["to"]);
    }

    #[test]
    fn a_validation_code_is_read_per_endpoint() {
        let body = r#"{"code":"STD-00000","validationErrors":[{"code":"AM.VLD-00030","paths":["QUERY/resource"]}]}"#;
        let on_delete = rejection(&call("/enduser/connections/resources"), answer(400, body));
        assert!(on_delete.advice.contains("Resource Registry"));
        let elsewhere = rejection(&call("/enduser/connections/other"), answer(400, body));
        assert!(!elsewhere.advice.contains("Resource Registry"));
    }
}
