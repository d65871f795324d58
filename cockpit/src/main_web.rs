//! `cockpit-web`: the cockpit in the browser (scripts/build-web.sh). It follows the
//! `analytics serve` that served the page, or the one named by `?server=`; the page's
//! query string picks the first view the way the native command line does:
//! `?topic=shortage&region=370200&month=2025-06&theme=light-office&lang=en&wall=30`
//! (`wall`: wall mode, with that many seconds per topic).

#[cfg(target_arch = "wasm32")]
fn main() {
    use cockpit::shared::settings::WallLayout;
    use cockpit::shared::settings::{Mode, Settings};
    use szjy_model::lang::Lang;

    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let query = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
    let param = |name: &str| query.as_ref().and_then(|q| q.get(name)).filter(|v| !v.is_empty());

    // Scenes and themes are compiled in: the browser has no folder to read.
    let mut settings = Settings::new(std::path::PathBuf::new());
    settings.server = Some(param("server").unwrap_or_else(|| location.origin().unwrap_or_default()));
    settings.topic = param("topic");
    settings.theme = param("theme");
    if let Some(region) = param("region").and_then(|r| r.parse().ok()) {
        settings.region = region;
    }
    settings.month = param("month").and_then(|m| m.parse().ok());
    if param("lang").as_deref() == Some("en") {
        settings.lang = Lang::En;
    }
    // `?wall` alone: the default carousel; `?wall=0`: none.
    if let Some(seconds) = query.as_ref().and_then(|q| q.get("wall")) {
        let carousel_seconds = seconds.parse().unwrap_or(WallLayout::default().carousel_seconds);
        settings.mode = Mode::Wall(WallLayout { carousel_seconds, ..Default::default() });
    }
    match cockpit::app(settings) {
        Ok(mut app) => {
            app.run();
        }
        Err(message) => cockpit::shared::page::show_error(&message),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("cockpit-web is the browser build: scripts/build-web.sh");
    std::process::exit(2);
}
