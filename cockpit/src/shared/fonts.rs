//! CJK text: the shipped Noto Sans SC subset (assets/fonts, OFL) goes first in egui's
//! font families, so every Chinese string renders without tofu, natively and in the
//! browser. Natively it is compiled in: no file to find at run time. The browser fetches
//! it beside the page instead: it would be a third of the bundle, and the browser caches
//! it apart from the code, which changes more often.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};

use crate::shared::schedule::NeedsFonts;

#[cfg(not(target_arch = "wasm32"))]
pub const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Hanzi.otf");
/// Where the browser build finds the font, relative to the page (scripts/build-web.sh).
pub const CJK_FONT_URL: &str = "fonts/NotoSansSC-Hanzi.otf";
const CJK_FONT_NAME: &str = "noto-sans-sc";

/// The CJK font, once it is here (at once natively; when the fetch ends in the browser).
#[derive(Resource, Clone, Default)]
pub struct CjkFont(pub Arc<Mutex<Option<egui::FontData>>>);

/// Set once egui lays text out with the CJK font; the capture waits for it.
#[derive(Resource, Default)]
pub struct FontsReady(pub bool);

pub struct FontsPlugin;

impl Plugin for FontsPlugin {
    fn build(&self, app: &mut App) {
        let font = CjkFont::default();
        #[cfg(not(target_arch = "wasm32"))]
        store(&font.0, egui::FontData::from_static(CJK_FONT));
        #[cfg(target_arch = "wasm32")]
        {
            // The page sleeps until something happens: the font's arrival wakes it.
            let waker = crate::shared::clock::Waker::of(app);
            fetch_font(font.clone(), move || waker.wake());
        }
        app.init_resource::<FontsReady>()
            .insert_resource(font)
            .add_systems(EguiPrimaryContextPass, install_fonts.run_if(|ready: Res<FontsReady>| !ready.0))
            .configure_sets(EguiPrimaryContextPass, NeedsFonts.after(install_fonts).run_if(|ready: Res<FontsReady>| ready.0));
    }
}

pub(crate) fn store(slot: &Mutex<Option<egui::FontData>>, font: egui::FontData) {
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(font);
    }
}

fn definitions(cjk: egui::FontData) -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    // Glyphs snap to whole pixels instead of one of four sub-pixel offsets: each glyph is
    // rasterised once per size, so the atlas stops growing once every text has been
    // shown (layouts shifting by fractions of a pixel kept adding copies), and the same
    // view always renders the same pixels.
    let tweak = egui::FontTweak { subpixel_binning: Some(false), ..Default::default() };
    fonts.font_data.insert(CJK_FONT_NAME.into(), Arc::new(cjk.tweak(tweak)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().insert(0, CJK_FONT_NAME.into());
    }
    fonts
}

/// egui takes new fonts at the start of its next pass: the font is handed over in one
/// pass, and text is laid out from the next (which it asks for) on.
fn install_fonts(mut contexts: EguiContexts, font: Res<CjkFont>, mut ready: ResMut<FontsReady>, mut handed_over: Local<bool>) -> Result {
    let ctx = contexts.ctx_mut()?;
    if *handed_over {
        ready.0 = true;
        return Ok(());
    }
    let Some(cjk) = font.0.lock().ok().and_then(|mut slot| slot.take()) else { return Ok(()) };
    ctx.set_fonts(definitions(cjk));
    ctx.request_repaint();
    *handed_over = true;
    Ok(())
}

#[cfg(target_arch = "wasm32")]
/// Fetches the CJK font from beside the page into `font`, then calls `wake`: egui takes
/// it on the next frame.
fn fetch_font(font: CjkFont, wake: impl Fn() + 'static) {
    let url = crate::shared::page::page_relative(CJK_FONT_URL);
    wasm_bindgen_futures::spawn_local(async move {
        let fetched = async {
            let response = reqwest::get(&url).await?.error_for_status()?;
            response.bytes().await
        };
        match fetched.await {
            Ok(bytes) => {
                store(&font.0, egui::FontData::from_owned(bytes.to_vec()));
                wake();
            }
            // egui has no font without it: say why on the page.
            Err(e) => crate::shared::page::show_error(&format!("{url}: cannot load the CJK font: {e}")),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_character_the_cockpit_writes() {
        // Every string of the catalogue, code lists, regions, warning configuration, scenes,
        // interface and code
        // must have a glyph in the subset, or it renders as tofu: Latin too, as there is
        // no other font to fall back to.
        let face = glyph_lookup();
        let mut texts: Vec<String> = Vec::new();
        for m in szjy_model::catalogue::MEASURES {
            texts.extend([
                m.name_zh.to_string(),
                m.unit_zh.to_string(),
                m.definition(szjy_model::rules::MeasureRules::builtin(), szjy_model::lang::Lang::Zh),
            ]);
        }
        for line in szjy_model::rules::MeasureRules::builtin().describe(szjy_model::lang::Lang::Zh) {
            texts.extend([line.name.to_string(), line.rule, line.basis]);
        }
        for r in szjy_model::region::RegionTree::shandong().all() {
            texts.push(r.name_zh.clone());
        }
        for o in szjy_model::codes::occupations() {
            texts.push(o.name_zh.clone());
        }
        for list in [szjy_model::codes::INDUSTRIES, szjy_model::codes::SUBSIDY_TYPES, szjy_model::codes::KEY_GROUPS] {
            texts.extend(list.iter().map(|e| e.1.to_string()));
        }
        let warning = szjy_model::warning::WarningConfig::default();
        for i in &warning.indicators {
            texts.extend([i.name_zh.clone(), i.unit_zh.clone()]);
        }
        for g in &warning.groups {
            texts.push(g.group.clone());
            texts.extend(g.measures_zh.iter().cloned());
        }
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenes")).unwrap() {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        texts.push(crate::shared::text::all_ui_text());
        // String literals in the code that writes text (number formats, arrows, labels).
        let analytics = ["/../analytics/src", "/../analytics/model/src", "/../analytics/engine/src", "/../analytics/server/src"];
        for dir in std::iter::once("/src").chain(analytics).map(|dir| format!("{}{dir}", env!("CARGO_MANIFEST_DIR"))) {
            let mut stack = vec![std::path::PathBuf::from(dir)];
            while let Some(path) = stack.pop() {
                if path.is_dir() {
                    stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                } else if path.extension().is_some_and(|x| x == "rs") {
                    texts.extend(std::fs::read_to_string(&path).unwrap().lines().flat_map(string_literals));
                }
            }
        }
        let missing: std::collections::BTreeSet<char> =
            texts.iter().flat_map(|t| t.chars()).filter(|c| !c.is_whitespace() && !c.is_control()).filter(|&c| face(c).is_none()).collect();
        assert!(missing.is_empty(), "no glyph for: {}", missing.iter().collect::<String>());
    }

    /// Names arriving from real sources (zones, employers, occupations) may use any of the
    /// 8,105 characters of the 通用规范汉字表, the standard list for names: every one has a
    /// glyph, rare ones outside GB2312 and the basic CJK block included.
    #[test]
    fn the_font_has_every_character_of_the_standard_list_for_names() {
        let face = glyph_lookup();
        let list = include_str!("../../../assets/fonts/tongyong-guifan-hanzi.txt");
        let chars: Vec<char> = list.lines().filter_map(|l| l.split('\t').nth(1)?.chars().next()).collect();
        assert_eq!(chars.len(), 8105);
        let missing: String = chars.iter().filter(|&&c| face(c).is_none()).collect();
        assert!(missing.is_empty(), "no glyph for {} characters: {missing}", missing.chars().count());
        // Characters of names seen in registers that GB2312 lacks: 䶮 (U+4DAE, extension A)
        // and 𬌗 (U+2C317, extension E) lie outside the basic block.
        for rare in "玥堃喆珺昇祎赟彧淏燚犇垚焜翀䶮𬌗".chars() {
            assert!(face(rare).is_some(), "no glyph for {rare} (U+{:04X})", rare as u32);
            assert!(chars.contains(&rare), "{rare} is in the list");
        }
    }

    /// The text inside double quotes on a line of code, comments left out (roughly: a
    /// quote inside a string ends it early, which only loses characters to check).
    fn string_literals(line: &str) -> Vec<String> {
        let code = line.trim_start();
        // Assertion messages are for the developer's terminal, not the screen.
        if code.starts_with("//") || code.contains("assert") {
            return Vec::new();
        }
        let code = code.split(" //").next().unwrap_or_default();
        code.split('"').skip(1).step_by(2).map(String::from).collect()
    }

    /// Glyph lookup in the font's own character map, read by the parser egui renders it
    /// with. (egui's `has_glyph` cannot tell with a single font: it reports a character as
    /// missing whenever the face that has it is also the one with the replacement glyph.)
    fn glyph_lookup() -> impl Fn(char) -> Option<()> {
        use skrifa::MetadataProvider;
        let font = skrifa::FontRef::new(CJK_FONT).expect("the shipped font parses");
        let charmap = font.charmap();
        move |c: char| charmap.map(c).map(|_| ())
    }
}
