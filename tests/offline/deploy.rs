//! The files that install and run the bot as a service: what each must keep saying, so that an
//! edit cannot quietly bake the token into an image, run the bot as root, or point the service
//! at a folder it may not write. (The image itself is not built here: no Docker daemon.)

use std::path::Path;

fn read(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// The value of `Key=` lines in a systemd unit, in order.
fn unit_values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
fn the_image_build_never_sees_secrets_or_databases() {
    let ignored = read(".dockerignore");
    for pattern in [
        ".env",
        "*.db",
        "*.db-wal",
        "*.db-shm",
        "prolobot.toml",
        "target",
        ".git",
    ] {
        assert!(
            ignored.lines().any(|line| line.trim() == pattern),
            "{pattern}"
        );
    }
}

#[test]
fn the_image_is_multi_stage_unprivileged_with_the_faq_and_database_on_volumes() {
    let dockerfile = read("Dockerfile");
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter(|line| line.starts_with("FROM "))
        .collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].starts_with("FROM rust:") && froms[0].ends_with(" AS build"));
    assert!(froms[1].starts_with("FROM debian:") && froms[1].contains("-slim"));
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER line");
    assert!(!["root", "0"].contains(&user.trim()), "{user}");
    assert!(dockerfile.contains("VOLUME [\"/faq\", \"/data\"]"));
    assert!(dockerfile.contains("PROLOBOT_FAQ=/faq/faq.toml"));
    assert!(dockerfile.contains("PROLOBOT_DB=/data/prolobot.db"));
    // Exec form: the bot is PID 1 and gets SIGTERM itself, not a shell.
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/prolobot\"]"));
    assert!(dockerfile.contains("CMD [\"run\"]"));
    assert!(dockerfile.contains("cargo build --release --locked"));
    // The build's Rust is at least the one Cargo.toml asks for.
    let wanted = read("Cargo.toml")
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .map(|version| version.trim_matches('"').to_owned())
        .expect("rust-version");
    let built = dockerfile
        .lines()
        .find_map(|line| line.strip_prefix("ARG RUST_VERSION="))
        .expect("ARG RUST_VERSION");
    let minor = |version: &str| -> u32 {
        version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .expect("1.N")
    };
    assert!(minor(built) >= minor(&wanted), "{built} < {wanted}");
}

#[test]
fn compose_points_the_bot_at_the_image_volumes_whatever_dotenv_says() {
    let compose = read("compose.yaml");
    for needle in [
        "env_file: .env",
        "PROLOBOT_FAQ: /faq/faq.toml",
        "PROLOBOT_DB: /data/prolobot.db",
        "- ./faq:/faq:ro",
        "- prolobot-data:/data",
        "restart: unless-stopped",
    ] {
        assert!(compose.contains(needle), "{needle}");
    }
}

#[test]
fn the_systemd_unit_restarts_on_failure_and_may_write_only_its_data_folder() {
    let unit = read("deploy/prolobot.service");
    let one = |key: &str| -> &str {
        let values = unit_values(&unit, key);
        assert_eq!(values.len(), 1, "{key}: {values:?}");
        values[0]
    };
    let data = one("WorkingDirectory");
    assert_eq!(one("ReadWritePaths"), data);
    assert!(one("EnvironmentFile").starts_with("/etc/"));
    assert!(one("ExecStart").ends_with("/prolobot run"));
    assert_eq!(one("Restart"), "on-failure");
    assert_eq!(one("ProtectSystem"), "strict");
    for key in [
        "NoNewPrivileges",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
    ] {
        assert_eq!(one(key), "yes", "{key}");
    }
    assert_ne!(one("User"), "root");
}

#[test]
fn both_licences_cargo_toml_declares_are_there() {
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = read("LICENSE-MIT");
    assert!(mit.starts_with("MIT License\n\nCopyright (c) 2026 the prolobot developers\n"));
    assert!(mit.contains("THE SOFTWARE IS PROVIDED \"AS IS\""));
    let apache = read("LICENSE-APACHE");
    assert!(apache.contains("Apache License\n                        Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    assert!(apache.contains("Copyright 2026 the prolobot developers"));
}
