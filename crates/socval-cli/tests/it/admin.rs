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

/// Runs socval on a pseudo-terminal (util-linux `script`, as an
/// administrator at a terminal would), answering each prompt in turn: waits
/// until the prompt text appears, then types the answer and Enter. Returns
/// everything the terminal showed, and the exit code.
fn on_terminal(data_dir: &Path, args: &[&str], answers: &[(&str, &str)]) -> (String, Option<i32>) {
    use std::io::Read;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let mut line = vec![
        quote(env!("CARGO_BIN_EXE_socval")),
        quote("--data-dir"),
        quote(&data_dir.display().to_string()),
    ];
    line.extend(args.iter().map(|a| quote(a)));
    let mut child = Command::new("script")
        .args(["-q", "-e", "-f", "-c", &line.join(" "), "/dev/null"])
        .env_remove("SOCVAL_DATABASE_URL")
        .env_remove("SOCVAL_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs socval on a pseudo-terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let mut stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut from = 0;
    for (prompt, answer) in answers {
        loop {
            if let Some(at) = screen[from..].find(prompt) {
                from += at + prompt.len();
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(bytes) => screen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!("no prompt {prompt:?}; the terminal showed:\n{screen}"),
            }
        }
        // The prompt is written just before echo is switched off: give the
        // program a moment, as a person would, before typing.
        std::thread::sleep(Duration::from_millis(400));
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    while let Ok(bytes) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        screen.push_str(&String::from_utf8_lossy(&bytes));
    }
    drop(stdin);
    let status = child.wait().unwrap();
    (screen, status.code())
}

/// Whether `password` is the stored password of `email`, read straight
/// from the database.
fn password_is(data_dir: &Path, email: &str, password: &str) -> bool {
    use socval_store::Store as _;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = socval_store::SqliteStore::open_path(&data_dir.join("socval.db"))
            .await
            .unwrap();
        let creds = store.credentials(email).await.unwrap();
        store.close().await;
        socval_store::password::verify(password, &creds.password_hash).unwrap()
    })
}

#[test]
fn create_user_on_a_terminal_asks_for_the_password_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(
        data,
        &["admin", "create-org", "--slug", "rmbc", "--name", "RMBC"],
    );
    let secret = "tr0ub4dor and 3 horses";
    let (screen, code) = on_terminal(
        data,
        &[
            "admin",
            "create-user",
            "--email",
            "ana@rmbc.example",
            "--name",
            "Ana",
            "--org",
            "rmbc",
            "--role",
            "admin",
        ],
        &[
            ("New password for ana@rmbc.example", secret),
            ("Type it again", secret),
        ],
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("added ana@rmbc.example to rmbc as admin"),
        "{screen}"
    );
    assert!(
        !screen.contains("tr0ub4dor"),
        "the password typed is not shown on the terminal:\n{screen}"
    );
    assert!(
        !screen.contains("shown once"),
        "nothing generated: {screen}"
    );
    assert!(password_is(data, "ana@rmbc.example", secret));
}

#[test]
fn reset_password_on_a_terminal_asks_again_until_both_match() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok_stdin(
        data,
        &[
            "admin",
            "create-user",
            "--email",
            "bo@x.example",
            "--name",
            "Bo",
            "--password-stdin",
        ],
        Some("the old passphrase\n"),
    );
    let new = "a brand new passphrase";
    let (screen, code) = on_terminal(
        data,
        &["admin", "reset-password", "--email", "bo@x.example"],
        &[
            ("New password for bo@x.example", "short"),
            ("New password for bo@x.example", new),
            ("Type it again", "a brand new passphrasX"),
            ("New password for bo@x.example", new),
            ("Type it again", new),
        ],
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("too short"), "{screen}");
    assert!(screen.contains("do not match"), "{screen}");
    assert!(
        screen.contains("reset the password of bo@x.example"),
        "{screen}"
    );
    assert!(
        !screen.contains("passphras"),
        "nothing typed is echoed:\n{screen}"
    );
    assert!(password_is(data, "bo@x.example", new));
    assert!(!password_is(data, "bo@x.example", "the old passphrase"));

    // Off a terminal without --password-stdin a password is generated, as
    // scripts rely on; a short one on standard input changes nothing.
    let short = socval(
        data,
        &[
            "admin",
            "reset-password",
            "--email",
            "bo@x.example",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));
    assert!(password_is(data, "bo@x.example", new));
}

#[test]
fn roles_change_members_leave_and_disabled_users_cannot_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(
        data,
        &["admin", "create-org", "--slug", "rmbc", "--name", "RMBC"],
    );
    ok(
        data,
        &[
            "admin",
            "create-supplier",
            "--org",
            "rmbc",
            "--name",
            "Acme Ltd",
        ],
    );
    ok_stdin(
        data,
        &[
            "admin",
            "create-user",
            "--email",
            "cy@x.example",
            "--name",
            "Cy",
            "--password-stdin",
        ],
        Some("cy's long passphrase\n"),
    );
    let out = ok(
        data,
        &[
            "admin",
            "set-role",
            "--org",
            "rmbc",
            "--email",
            "cy@x.example",
            "--role",
            "officer",
        ],
    );
    assert!(
        out.contains("added cy@x.example to rmbc as officer"),
        "{out}"
    );
    let out = ok(
        data,
        &[
            "admin",
            "set-role",
            "--org",
            "rmbc",
            "--email",
            "CY@x.example",
            "--role",
            "supplier",
            "--supplier",
            "acme ltd",
        ],
    );
    assert!(
        out.contains("is now supplier in rmbc (was officer)"),
        "{out}"
    );
    let csv = ok(
        data,
        &["admin", "list-users", "--org", "rmbc", "--format", "csv"],
    );
    assert!(csv.contains("cy@x.example,Cy,supplier,active"), "{csv}");

    // Nobody can be a supplier without a company; nothing changes.
    let bad = socval(
        data,
        &[
            "admin",
            "set-role",
            "--org",
            "rmbc",
            "--email",
            "cy@x.example",
            "--role",
            "supplier",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        ok(
            data,
            &["admin", "list-users", "--org", "rmbc", "--format", "csv"]
        )
        .contains(",supplier,")
    );

    let out = ok(data, &["admin", "disable-user", "--email", "cy@x.example"]);
    assert!(out.contains("disabled cy@x.example"), "{out}");
    let csv = ok(
        data,
        &["admin", "list-users", "--org", "rmbc", "--format", "csv"],
    );
    assert!(csv.contains("cy@x.example,Cy,supplier,disabled"), "{csv}");
    assert!(!password_works(
        data,
        "cy@x.example",
        "cy's long passphrase"
    ));
    ok(data, &["admin", "enable-user", "--email", "cy@x.example"]);
    assert!(password_works(data, "cy@x.example", "cy's long passphrase"));

    let out = ok(
        data,
        &[
            "admin",
            "remove-member",
            "--org",
            "rmbc",
            "--email",
            "cy@x.example",
        ],
    );
    assert!(out.contains("removed cy@x.example from rmbc"), "{out}");
    let csv = ok(
        data,
        &["admin", "list-users", "--org", "rmbc", "--format", "csv"],
    );
    assert_eq!(csv.lines().count(), 1, "{csv}");
    let again = socval(
        data,
        &[
            "admin",
            "remove-member",
            "--org",
            "rmbc",
            "--email",
            "cy@x.example",
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not a member of rmbc"));

    // Every change is in the audit log, with before and after.
    let audit = ok(data, &["admin", "audit-export"]);
    let kinds: Vec<(String, String)> = audit
        .lines()
        .skip(1)
        .filter(|l| l.contains(",membership,") || l.contains(",user,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[5].to_owned(), f[6].to_owned())
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("create", "user"),
        ("create", "membership"),
        ("update", "membership"),
        ("update", "user"),
        ("update", "user"),
        ("delete", "membership"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(kinds, want, "{audit}");
}

#[test]
fn an_organisation_is_never_left_without_an_admin_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(
        data,
        &["admin", "create-org", "--slug", "rmbc", "--name", "RMBC"],
    );
    for (email, role) in [("ana@x.example", "admin"), ("bo@x.example", "officer")] {
        ok(
            data,
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                "N",
                "--org",
                "rmbc",
                "--role",
                role,
            ],
        );
    }
    let refused = |args: &[&str]| {
        let out = socval(data, args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?} was allowed");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            err.contains("ana@x.example is the only admin of RMBC who can sign in"),
            "{args:?}: {err}"
        );
    };
    let demote = [
        "admin",
        "set-role",
        "--org",
        "rmbc",
        "--email",
        "ana@x.example",
        "--role",
        "viewer",
    ];
    let remove = [
        "admin",
        "remove-member",
        "--org",
        "rmbc",
        "--email",
        "ana@x.example",
    ];
    let disable = ["admin", "disable-user", "--email", "ana@x.example"];
    let audit_before = ok(data, &["admin", "audit-export"]);
    refused(&demote);
    refused(&remove);
    refused(&disable);
    assert_eq!(
        ok(data, &["admin", "audit-export"]),
        audit_before,
        "nothing changed"
    );
    let csv = ok(
        data,
        &["admin", "list-users", "--org", "rmbc", "--format", "csv"],
    );
    assert!(csv.contains("ana@x.example,N,admin,active"), "{csv}");

    // With a second admin the first may be disabled; then the second is the
    // last one who can sign in.
    ok(
        data,
        &[
            "admin",
            "set-role",
            "--org",
            "rmbc",
            "--email",
            "bo@x.example",
            "--role",
            "admin",
        ],
    );
    ok(data, &disable);
    let out = socval(
        data,
        &[
            "admin",
            "set-role",
            "--org",
            "rmbc",
            "--email",
            "bo@x.example",
            "--role",
            "viewer",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bo@x.example is the only admin of RMBC"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(data, &["admin", "enable-user", "--email", "ana@x.example"]);
    ok(data, &demote);
    ok(data, &remove);
}

/// Whether signing in as `email` with `password` would succeed now.
fn password_works(data_dir: &Path, email: &str, password: &str) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = socval_store::SqliteStore::open_path(&data_dir.join("socval.db"))
            .await
            .unwrap();
        let ok = socval_store::login::authenticate(
            &store,
            email,
            password,
            time::OffsetDateTime::now_utc(),
            &Default::default(),
        )
        .await
        .unwrap()
        .is_some();
        socval_store::Store::close(&store).await;
        ok
    })
}

/// The report's wording of the quotes rule for an organisation, read from
/// `report annual --org`'s JSON.
fn report_quotes_rule(data_dir: &Path, slug: &str) -> String {
    let out = data_dir.join(format!("report-{slug}"));
    let _ = std::fs::remove_dir_all(&out);
    let o = out.to_str().unwrap();
    ok(
        data_dir,
        &[
            "report", "annual", "--org", slug, "--year", "2025/26", "--out", o,
        ],
    );
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let start = json
        .find("checked against the quotes rule (")
        .expect("rule source");
    let rest = &json[start..];
    rest[..rest.find(").").unwrap() + 1].to_string()
}

#[test]
fn an_organisations_own_policy_changes_its_rules_and_their_wording() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "admin",
            "create-org",
            "--slug",
            "bors",
            "--name",
            "Borsetshire",
        ],
    );
    ok(
        d,
        &[
            "admin",
            "create-org",
            "--slug",
            "other",
            "--name",
            "Other Council",
        ],
    );
    let built_in = report_quotes_rule(d, "bors");
    assert!(
        built_in.contains("under £25,000: at least two quotes, at least one local"),
        "{built_in}"
    );

    let policy = d.join("bors.toml");
    std::fs::write(
        &policy,
        "name = \"Borsetshire Social Value Policy 2026\"\nquotes_threshold_gbp = 30000\n\
         [quotes]\nmin_quotes = 3\nmin_local = 2\n[rag]\ngreen = 95\namber = 80\n",
    )
    .unwrap();
    let said = ok(
        d,
        &[
            "admin",
            "set-policy",
            "--org",
            "bors",
            policy.to_str().unwrap(),
        ],
    );
    assert!(said.contains("green at or above 95%"), "{said}");
    let own = report_quotes_rule(d, "bors");
    assert!(
        own.contains("under £30,000: at least three quotes, at least two local"),
        "{own}"
    );
    assert_eq!(
        report_quotes_rule(d, "other"),
        built_in,
        "only bors changed"
    );
    let shown = ok(d, &["admin", "show-policy", "--org", "bors"]);
    assert!(shown.contains("min_quotes = 3"), "{shown}");

    // A bad file names its line and changes nothing.
    let bad = d.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[rag]\ngreen = 50\namber = 80\n").unwrap();
    let o = socval(
        d,
        &[
            "admin",
            "set-policy",
            "--org",
            "bors",
            bad.to_str().unwrap(),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.toml") && err.contains("line 4"), "{err}");
    assert_eq!(report_quotes_rule(d, "bors"), own);

    // Every change is in the audit log; --builtin goes back.
    ok(d, &["admin", "set-policy", "--org", "bors", "--builtin"]);
    assert_eq!(report_quotes_rule(d, "bors"), built_in);
    let audit = ok(d, &["admin", "audit-export", "--org", "bors"]);
    assert_eq!(
        audit
            .lines()
            .filter(|l| l.contains("update") && l.contains("organisation"))
            .count(),
        2,
        "{audit}"
    );
}
