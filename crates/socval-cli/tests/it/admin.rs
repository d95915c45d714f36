//! `socval admin`: the built binary on a temporary data directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn socval(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_socval"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SOCVAL_DATABASE_URL")
        .env_remove("SOCVAL_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    ok_stdin(data_dir, args, None)
}

fn ok_stdin(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = socval(data_dir, args, stdin);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "socval {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn first_administrator_and_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new-data-dir");
    let out = ok(
        &data,
        &[
            "admin",
            "create-org",
            "--slug",
            "rotherham",
            "--name",
            "Rotherham MBC",
            "--kind",
            "council",
        ],
    );
    assert!(out.contains("created organisation rotherham"), "{out}");
    assert!(
        data.join("socval.db").exists(),
        "the data directory and database are created"
    );

    let out = ok(
        &data,
        &[
            "admin",
            "create-user",
            "--email",
            "Ana@Rotherham.gov.uk",
            "--name",
            "Ana",
            "--org",
            "rotherham",
            "--role",
            "admin",
        ],
    );
    assert!(
        out.contains("added ana@rotherham.gov.uk to rotherham as admin"),
        "{out}"
    );
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap();
    assert_eq!(generated.len(), 24);

    let out = ok_stdin(
        &data,
        &[
            "admin",
            "create-user",
            "--email",
            "bo@x.org",
            "--name",
            "Bo",
            "--password-stdin",
        ],
        Some("a long passphrase\n"),
    );
    assert!(!out.contains("shown once"), "{out}");

    // The same address in another case is refused, with a readable reason.
    let dup = socval(
        &data,
        &[
            "admin",
            "create-user",
            "--email",
            "ANA@rotherham.gov.uk",
            "--name",
            "X",
        ],
        None,
    );
    assert_eq!(dup.status.code(), Some(1));
    let err = String::from_utf8_lossy(&dup.stderr);
    assert!(
        err.contains("already exists") && err.contains("ana@rotherham.gov.uk"),
        "{err}"
    );

    let csv = ok(
        &data,
        &[
            "admin",
            "list-users",
            "--org",
            "rotherham",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "id,email,name,role,state",
            "1,ana@rotherham.gov.uk,Ana,admin,active"
        ]
    );
    let all = ok(&data, &["admin", "list-users", "--format", "json"]);
    let users: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert!(!all.contains("argon2"), "hashes are never printed");

    let out = ok(
        &data,
        &["admin", "reset-password", "--email", "ana@rotherham.gov.uk"],
    );
    let new = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap();
    assert_ne!(new, generated);
}

#[test]
fn invitations_tokens_audit_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(
        data,
        &[
            "admin",
            "create-org",
            "--slug",
            "nhs",
            "--name",
            "The Trust",
            "--kind",
            "nhs_trust",
        ],
    );
    let refused = socval(
        data,
        &[
            "admin",
            "invite",
            "--org",
            "nhs",
            "--email",
            "s@acme.co.uk",
            "--role",
            "supplier",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--supplier"));
    ok(
        data,
        &[
            "admin",
            "create-supplier",
            "--org",
            "nhs",
            "--name",
            "Acme Ltd",
        ],
    );
    let out = ok(
        data,
        &[
            "admin",
            "invite",
            "--org",
            "nhs",
            "--email",
            "s@acme.co.uk",
            "--role",
            "supplier",
            "--supplier",
            "acme ltd",
            "--base-url",
            "https://sv.example.gov.uk/",
        ],
    );
    let link = out.lines().last().unwrap();
    assert!(
        link.starts_with("https://sv.example.gov.uk/invitations/") && link.len() > 60,
        "{out}"
    );

    let out = ok(
        data,
        &[
            "admin",
            "create-token",
            "--org",
            "nhs",
            "--name",
            "finance",
            "--role",
            "viewer",
            "--days",
            "30",
        ],
    );
    let secret = out.lines().last().unwrap();
    assert!(secret.starts_with("svt_"), "{out}");
    let out = ok(
        data,
        &["admin", "revoke-token", "--org", "nhs", &secret[..12]],
    );
    assert!(out.contains("revoked API token 1"), "{out}");

    let csv = ok(data, &["admin", "audit-export", "--org", "nhs"]);
    let lines: Vec<_> = csv.lines().collect();
    assert!(
        lines[0].starts_with(
            "id,at,actor,actor_user_id,org_id,action,entity_type,entity_id,before,after"
        )
    );
    let kinds: Vec<_> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(6).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "organisation",
            "supplier",
            "invitation",
            "api_token",
            "api_token"
        ]
    );
    assert!(
        !csv.contains(&secret[4..]),
        "token secrets are not in the audit log"
    );

    let backup = data.join("copy.db");
    let out = ok(data, &["admin", "backup", backup.to_str().unwrap()]);
    assert!(out.contains("backed up"), "{out}");
    let again = socval(data, &["admin", "backup", backup.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(1), "a backup never overwrites");
    // The copy is a working database.
    let copy_orgs = Command::new(env!("CARGO_BIN_EXE_socval"))
        .args([
            "--database-url",
            &format!("sqlite://{}", backup.display()),
            "admin",
            "list-orgs",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&copy_orgs.stdout).contains("nhs,The Trust,nhs_trust"));
}

#[test]
fn help_has_examples_and_bad_urls_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dir.path(), &["admin", "--help"]);
    assert!(
        help.contains("Examples:") && help.contains("socval admin create-user"),
        "{help}"
    );
    assert!(
        !help.contains("seed-bench"),
        "the benchmark seeder is hidden"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_socval"))
        .args([
            "--database-url",
            "mysql://root:hunter2@db/socval",
            "admin",
            "list-orgs",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sqlite://") && !err.contains("hunter2"),
        "{err}"
    );
}
