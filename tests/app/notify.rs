//! The daily expiry notification reaches the desktop's notification service: a private D-Bus daemon
//! (`dbus-daemon`, installed with the keychain's packages), a stand-in for
//! `org.freedesktop.Notifications` on it, and `envdesk_app::notify::send` as the app calls it.

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dbus::blocking::Connection;
use dbus::channel::{Channel, MatchingReceiver};
use dbus::message::MatchRule;

/// A `dbus-daemon` of the test's own, stopped when dropped.
struct Bus {
    daemon: std::process::Child,
    address: String,
}

impl Bus {
    fn start() -> Bus {
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) runs");
        let mut line = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut line).unwrap();
        Bus { daemon, address: line.trim().to_owned() }
    }

    fn connect(&self) -> Connection {
        let mut channel = Channel::open_private(&self.address).unwrap();
        channel.register().unwrap();
        Connection::from(channel)
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

type Seen = Arc<Mutex<Vec<(String, String, String, String, i32)>>>;

#[test]
fn the_expiry_notification_reaches_the_notification_service() {
    let bus = Bus::start();
    // The stand-in service: records each Notify call and answers an id.
    let service = bus.connect();
    service.request_name("org.freedesktop.Notifications", false, true, false).unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    service.start_receive(
        MatchRule::new_method_call(),
        Box::new(move |msg, conn| {
            if msg.member().as_deref() == Some("Notify") {
                let mut args = msg.iter_init();
                let app: String = args.read().unwrap();
                let _replaces: u32 = args.read().unwrap();
                let _icon: String = args.read().unwrap();
                let summary: String = args.read().unwrap();
                let body: String = args.read().unwrap();
                let _actions: Vec<String> = args.read().unwrap();
                let hints: dbus::arg::PropMap = args.read().unwrap();
                let timeout: i32 = args.read().unwrap();
                let entry = hints.get("desktop-entry").and_then(|v| v.0.as_str()).unwrap_or_default().to_owned();
                record.lock().unwrap().push((app, summary, body, entry, timeout));
                let _ = dbus::channel::Sender::send(conn, msg.method_return().append1(42u32));
            }
            true
        }),
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let serving = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                service.process(Duration::from_millis(50)).unwrap();
            }
        })
    };

    let app = bus.connect();
    let id =
        envdesk_app::notify::send(&app, "2 keys expire soon", "app/api/prod: STRIPE_KEY expires 2027-01-31").unwrap();
    assert_eq!(id, 42);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    serving.join().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            "envdesk".to_owned(),
            "2 keys expire soon".to_owned(),
            "app/api/prod: STRIPE_KEY expires 2027-01-31".to_owned(),
            "envdesk".to_owned(),
            -1
        )]
    );

    // No service on the bus: an error that says so, not a hang.
    let lonely = Bus::start();
    let e = envdesk_app::notify::send(&lonely.connect(), "t", "b").unwrap_err();
    assert!(e.contains("org.freedesktop.Notifications"), "{e}");
}
