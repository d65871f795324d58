//! CJK text: the shipped Noto Sans SC subset (assets/fonts, OFL) goes first in egui's
//! font families, so every Chinese string renders without tofu, natively and in the
//! browser. Natively it is compiled in: no file to find at run time. The browser fetches
//! it beside the page instead: it would be a third of the bundle, and the browser caches
//! it apart from the code, which changes more often.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy_egui::{egui, EguiContexts, EguiPrimaryContextPass};

#[cfg(not(target_arch = "wasm32"))]
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-GB2312.otf");
/// Where the browser build finds the font, relative to the page (scripts/build-web.sh).
pub const CJK_FONT_URL: &str = "fonts/NotoSansSC-GB2312.otf";
const CJK_FONT_NAME: &str = "noto-sans-sc";

/// The CJK font, once it is here (at once natively; when the fetch ends in the browser).
#[derive(Resource, Clone)]
pub struct CjkFont(pub Arc<Mutex<Option<egui::FontData>>>);

impl Default for CjkFont {
    fn default() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        return CjkFont(Arc::new(Mutex::new(Some(egui::FontData::from_static(CJK_FONT)))));
        #[cfg(target_arch = "wasm32")]
        {
            let font = CjkFont(Arc::default());
            crate::web::fetch_font(font.clone());
            font
        }
    }
}

/// Set once egui has the fonts; the capture waits for it.
#[derive(Resource, Default)]
pub struct FontsReady(pub bool);

pub struct FontsPlugin;

impl Plugin for FontsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FontsReady>().init_resource::<CjkFont>().add_systems(EguiPrimaryContextPass, install_fonts.run_if(|ready: Res<FontsReady>| !ready.0));
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

fn install_fonts(mut contexts: EguiContexts, font: Res<CjkFont>, mut ready: ResMut<FontsReady>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(cjk) = font.0.lock().ok().and_then(|mut slot| slot.take()) else { return Ok(()) };
    ctx.set_fonts(definitions(cjk));
    ready.0 = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_character_the_cockpit_writes() {
        // Every Chinese string of the catalogue, code lists, regions and scenes must have
        // a glyph in the subset, or it renders as tofu.
        let face = ttf_parser_face();
        let mut texts: Vec<String> = Vec::new();
        for m in analytics::catalogue::MEASURES {
            texts.extend([m.name_zh, m.unit_zh, m.definition_zh].map(String::from));
        }
        for r in analytics::region::RegionTree::shandong().all() {
            texts.push(r.name_zh.clone());
        }
        for o in analytics::codes::occupations() {
            texts.push(o.name_zh.clone());
        }
        for list in [analytics::codes::INDUSTRIES, analytics::codes::SUBSIDY_TYPES, analytics::codes::KEY_GROUPS] {
            texts.extend(list.iter().map(|e| e.1.to_string()));
        }
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenes")).unwrap() {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        texts.push(crate::panels::all_ui_text());
        let missing: std::collections::BTreeSet<char> =
            texts.iter().flat_map(|t| t.chars()).filter(|c| !c.is_ascii() && !c.is_whitespace()).filter(|&c| face(c).is_none()).collect();
        assert!(missing.is_empty(), "no glyph for: {}", missing.iter().collect::<String>());
    }

    /// Glyph lookup through egui's own font loader (what renders the text).
    fn ttf_parser_face() -> impl Fn(char) -> Option<()> {
        let ctx = egui::Context::default();
        ctx.set_fonts(definitions(egui::FontData::from_static(CJK_FONT)));
        // One pass loads the fonts; the atlas it produced is not needed here.
        ctx.run_ui(egui::RawInput::default(), |_| {}).textures_delta.clear();
        move |c: char| {
            let id = egui::FontId::proportional(14.0);
            ctx.fonts_mut(|f| f.has_glyph(&id, c)).then_some(())
        }
    }
}
