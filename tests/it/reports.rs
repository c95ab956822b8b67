//! Reports people hand on: the HTML page rendered by a real browser (Debian's `chromium`,
//! headless: the DOM it built and a screenshot), the ECS events, and a certificate whose subject
//! is markup. Each run checks two `openssl s_server` peers: the valid chain and a self-signed
//! one whose CN is hostile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// The CN of the hostile certificate: markup that must stay text.
const HOSTILE_CN: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
const EVIL_HOST: &str = "evil.tlsinspect.test";

/// Two peers (the valid chain for HOST, a self-signed hostile CN for EVIL_HOST) and the
/// arguments that check both through them.
struct Peers {
    _valid: OpensslServer,
    _hostile: OpensslServer,
    args: Vec<String>,
}

impl Peers {
    fn start(dir: &Path) -> Self {
        let (cert, key) = hostile_certificate(dir);
        let valid = OpensslServer::start("valid");
        let hostile = OpensslServer::serve(&cert, &key, None);
        let ca = testcerts().join("ca.pem").display().to_string();
        let args = vec![
            "check".to_owned(),
            format!("https://{HOST}/calendar/"),
            format!("https://{EVIL_HOST}/"),
            "--connect-to".to_owned(),
            valid.connect_to(),
            "--connect-to".to_owned(),
            format!("{EVIL_HOST}:443:{}", hostile.addr),
            "--ca-file".to_owned(),
            ca,
            "--no-pins".to_owned(),
            "--at".to_owned(),
            TEST_NOW.to_owned(),
            "--timeout".to_owned(),
            "3".to_owned(),
            "-q".to_owned(),
        ];
        Self {
            _valid: valid,
            _hostile: hostile,
            args,
        }
    }

    fn run(&self, format: &str) -> Output {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend(["--format", format]);
        tlsinspect(&args)
    }
}

/// A self-signed certificate whose CN is [`HOSTILE_CN`], made by `openssl req`.
fn hostile_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("hostile.pem"), dir.join("hostile.key"));
    // In -subj, `/` separates attributes: escape the ones inside the value.
    let subject = format!("/CN={}", HOSTILE_CN.replace('/', "\\/"));
    let output = Command::new(openssl())
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "36500", "-subj", &subject])
        .args(["-addext", &format!("subjectAltName=DNS:{EVIL_HOST}")])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    (cert, key)
}

/// Runs `command`, killed after `limit`.
fn run_bounded(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The chromium binary, or None (with a message) when absent and not required.
fn chromium() -> Option<String> {
    crate::skip_on_windows!("chromium", None);
    peer_program(
        "chromium",
        "TLSINSPECT_CHROMIUM",
        "TLSINSPECT_REQUIRE_CHROMIUM",
    )
}

/// Headless chromium on `page` with `action` (`--dump-dom` or `--screenshot=…`); no network:
/// the page is a local file whose policy forbids every fetch.
fn headless(binary: &str, page: &Path, action: &str, profile: &Path) -> Output {
    run_bounded(
        Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .args(["--disable-background-networking", "--disable-extensions"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(["--window-size=1200,1600", action])
            .arg(format!("file://{}", page.display())),
        Duration::from_secs(90),
    )
}

#[test]
fn html_report_renders_in_chromium_with_every_endpoint_finding_and_chain_box() {
    crate::skip_on_windows!("openssl and chromium");
    let dir = scratch("report-html");
    let peers = Peers::start(&dir);
    let json = parse_report(&peers.run("json"));
    let html = peers.run("html");
    assert_eq!(html.status.code(), Some(1), "{}", stderr(&html));
    let page_text = stdout(&html);
    // Self-contained: no reference to anything outside the file.
    for outside in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(
            !page_text.contains(outside),
            "the page contains {outside:?}"
        );
    }
    let page = dir.join("report.html");
    std::fs::write(&page, &page_text).unwrap();
    let Some(chromium) = chromium() else {
        return;
    };
    let dom = headless(&chromium, &page, "--dump-dom", &dir.join("profile"));
    assert!(dom.status.success(), "{}", stderr(&dom));
    let dom = stdout(&dom);
    for (id, endpoint) in json.endpoints.iter().enumerate() {
        assert!(
            dom.contains(&format!("id=\"endpoint-{id}\"")),
            "endpoint {id}"
        );
        let certs = endpoint.certificates.len();
        let section = dom
            .split(&format!("id=\"endpoint-{id}\""))
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap();
        // One box per certificate, plus the anchor (or the broken link) above them.
        assert_eq!(
            section.matches("class=\"cert ").count(),
            certs + 1,
            "endpoint {id}"
        );
        for finding in &endpoint.findings {
            assert!(
                section.contains(&format!("data-code=\"{}\"", finding.code)),
                "endpoint {id}: {} not shown",
                finding.code
            );
        }
    }
    let hostile = &json.endpoints[1];
    assert!(
        hostile.codes().contains(&"self-signed"),
        "{:?}",
        hostile.codes()
    );
    // The failing leaf of the hostile endpoint is marked; the valid chain's boxes are not.
    assert!(dom.contains("data-role=\"anchor\""));
    assert!(dom.contains("class=\"cert bad failing\" data-role=\"leaf\""));
    // The hostile CN is text in the DOM the browser built, never an element.
    assert!(!dom.contains("<script"), "a <script> element was built");
    assert!(!dom.contains("<img"), "an <img> element was built");
    assert!(
        dom.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;\"&gt;&lt;img src=x onerror=alert(2)&gt;"
        )
    );
    // The screenshot is a real rendering: not blank, and the failing box's red is drawn.
    let shot = dir.join("report.png");
    let taken = headless(
        &chromium,
        &page,
        &format!("--screenshot={}", shot.display()),
        &dir.join("profile"),
    );
    assert!(taken.status.success(), "{}", stderr(&taken));
    let pixels = Pixels::read(&shot);
    let inked = pixels.count(|[r, g, b]| r < 200 || g < 200 || b < 200);
    assert!(
        inked * 50 > pixels.total(),
        "blank screenshot: {inked} of {} inked",
        pixels.total()
    );
    let red = pixels.count(|[r, g, b]| r > 180 && g < 80 && b < 80);
    assert!(red > 100, "no error red drawn ({red} pixels)");
}

/// RGB pixels of a PNG.
struct Pixels(Vec<[u8; 3]>);

impl Pixels {
    fn read(path: &Path) -> Self {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        let step = info.color_type.samples();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert!(step >= 3, "{:?}", info.color_type);
        let pixels = buffer[..info.buffer_size()]
            .chunks_exact(step)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Self(pixels)
    }

    fn total(&self) -> usize {
        self.0.len()
    }

    fn count(&self, keep: impl Fn([u8; 3]) -> bool) -> usize {
        self.0.iter().filter(|p| keep(**p)).count()
    }
}

#[test]
fn ecs_events_carry_the_ecs_fields_and_every_finding() {
    crate::skip_on_windows!("openssl");
    let dir = scratch("report-ecs");
    let peers = Peers::start(&dir);
    let output = peers.run("ecs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let events = assert_schema_lines("ecs.json", &output);
    assert_eq!(events.len(), 2);
    let (valid, hostile) = (&events[0], &events[1]);
    assert_eq!(valid["ecs"]["version"], "8.11.0");
    assert_eq!(valid["event"]["kind"], "event");
    assert_eq!(valid["event"]["category"][0], "network");
    assert_eq!(valid["event"]["outcome"], "success");
    assert_eq!(valid["url"]["full"], format!("https://{HOST}/calendar/"));
    assert_eq!(valid["destination"]["ip"], "127.0.0.1");
    assert_eq!(valid["destination"]["domain"], HOST);
    assert!(valid["destination"]["port"].as_u64().unwrap() > 0);
    assert!(["1.2", "1.3"].contains(&valid["tls"]["version"].as_str().unwrap()));
    assert_eq!(valid["tls"]["version_protocol"], "tls");
    let x509 = &valid["tls"]["server"]["x509"];
    assert_eq!(x509["subject"]["distinguished_name"], format!("CN={HOST}"));
    assert!(
        x509["alternative_names"]
            .as_array()
            .unwrap()
            .contains(&Value::from(HOST))
    );
    assert_eq!(x509["public_key_algorithm"], "EC");
    let leaf_der = valid["tls"]["server"]["certificate_chain"][0]
        .as_str()
        .unwrap();
    let served = pem_to_der(&testcerts().join("valid/leaf.pem"));
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(leaf_der)
            .unwrap(),
        served
    );
    let sha = valid["tls"]["server"]["hash"]["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!(sha, sha.to_uppercase());
    assert!(valid.get("tls").unwrap()["server"].get("ja3s").is_none());
    assert_eq!(hostile["event"]["kind"], "alert");
    assert_eq!(hostile["event"]["outcome"], "failure");
    assert_eq!(hostile["event"]["code"], "self-signed");
    let codes = hostile["tlsinspect"]["finding_codes"].as_array().unwrap();
    assert!(codes.contains(&Value::from("self-signed")), "{codes:?}");
    assert_eq!(
        hostile["tlsinspect"]["findings"].as_array().unwrap().len(),
        codes.len()
    );
    assert_eq!(
        hostile["tls"]["server"]["x509"]["subject"]["distinguished_name"],
        format!("CN={HOSTILE_CN}")
    );
}

#[test]
fn ecs_is_refused_where_there_are_no_endpoints_before_any_work() {
    let logs = repo().join("tests/data/logs/article-trace.log");
    let output = tlsinspect(&["logs", logs.to_str().unwrap(), "--format", "ecs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("one event per endpoint"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn logs_html_tables_problems_and_charts_them_over_time() {
    let logs = repo().join("tests/data/logs/article-trace.log");
    let json: Value = serde_json::from_str(&stdout(&tlsinspect(&[
        "logs",
        logs.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    let output = tlsinspect(&["logs", logs.to_str().unwrap(), "--format", "html"]);
    let page = stdout(&output);
    assert!(page.starts_with("<!DOCTYPE html>"));
    let problems = json["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    for problem in problems {
        let code = problem["code"].as_str().unwrap();
        assert!(
            page.contains(&format!(
                "<tr class=\"{}\" data-code=\"{code}\">",
                problem["severity"].as_str().unwrap()
            )),
            "{code}"
        );
    }
    let svg = page
        .split("<svg")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    let bars = svg.matches("<rect class=\"bar").count();
    assert_eq!(bars, json["timeline"].as_array().unwrap().len());
    // Every bar is inside the drawing, the latest ones too.
    let number = |tag: &str, name: &str| -> f64 {
        let rest = tag.split(&format!(" {name}=\"")).nth(1).unwrap();
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    let view: Vec<f64> = svg
        .split("viewBox=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    for tag in svg.split("<rect").skip(1) {
        let (x, width) = (number(tag, "x"), number(tag, "width"));
        assert!(
            x >= 0.0 && x + width <= view[2],
            "a bar outside the drawing: {tag:.120}"
        );
    }
}
