//! Line breaking by the Chinese rules (禁则, as in GB/T 15834 and the W3C's "Requirements
//! for Chinese Text Layout"): no closing bracket or pause mark at the start of a line, no
//! opening bracket at its end, Latin words and numbers kept whole. egui breaks before "）"
//! and after "（", so text that wraps on a wall is broken here and handed to egui line by
//! line.

/// Characters a line may not start with: closing brackets, pause and stop marks, and what
/// ends a number.
const NO_LINE_START: &str = "）)]｝}〕〉》」』】，,。.、：:；;！!？?…%％·～~";
/// Characters a line may not end with: opening brackets.
const NO_LINE_END: &str = "（([｛{〔〈《「『【";

/// Whether a line may break between `before` and `after`.
fn may_break(before: char, after: char) -> bool {
    if NO_LINE_START.contains(after) || NO_LINE_END.contains(before) {
        return false;
    }
    // Inside a Latin word or a number ("1.16", "Tai'an", "+8.2%") only at spaces, or
    // after a hyphen between words.
    if before == '-' && after.is_ascii_alphabetic() {
        return true;
    }
    let latin = |c: char| c.is_ascii_alphanumeric() || "'.-+%,".contains(c);
    !(latin(before) && latin(after))
}

/// Marks after which a line breaks best: a break a few characters earlier, after one of
/// these, keeps a name whole ("东营市", not "东营 / 市").
const BREAK_AFTER: &str = "，、：；。,;: ";
/// How many characters a line gives up to break after a [`BREAK_AFTER`] mark.
const BREAK_AFTER_REACH: usize = 4;

/// `text` broken into lines no wider than `width`, each character `advance(c)` wide. A
/// line breaks at the last place the rules allow (after a pause mark if one is a few
/// characters back); a run with none (a long URL) breaks where it must. Spaces at a break
/// are dropped; explicit newlines are kept.
pub fn wrap_lines(text: &str, width: f32, advance: &mut dyn FnMut(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        let mut start = 0;
        while start < chars.len() {
            let mut used = 0.0;
            let mut end = start;
            // The last allowed break inside the line so far (index of the next line's start).
            let mut last_break = None;
            let mut last_pause = None;
            while end < chars.len() {
                let w = advance(chars[end]);
                if used + w > width && end > start {
                    break;
                }
                used += w;
                end += 1;
                if end < chars.len() && (chars[end - 1] == ' ' || chars[end] == ' ' || may_break(chars[end - 1], chars[end])) {
                    last_break = Some(end);
                    if BREAK_AFTER.contains(chars[end - 1]) {
                        last_pause = Some(end);
                    }
                }
            }
            let cut = if end >= chars.len() {
                end
            } else {
                let pause = last_pause.filter(|&p| p > start && end - p <= BREAK_AFTER_REACH);
                pause.or(last_break.filter(|&b| b > start)).unwrap_or(end)
            };
            lines.push(chars[start..cut].iter().collect::<String>().trim_end().to_string());
            start = cut;
            while start < chars.len() && chars[start] == ' ' {
                start += 1;
            }
        }
        if chars.is_empty() {
            lines.push(String::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinese characters and full-width marks one unit wide, the rest half.
    fn advance(c: char) -> f32 {
        if c.is_ascii() {
            0.5
        } else {
            1.0
        }
    }

    fn wrap(text: &str, width: f32) -> Vec<String> {
        wrap_lines(text, width, &mut advance)
    }

    #[test]
    fn no_closing_mark_starts_a_line_and_no_opening_bracket_ends_one() {
        // Five wide: a naive break would start line two with "）".
        let lines = wrap("登记失业率（参保口径）偏高", 5.0);
        assert!(lines.iter().all(|l| !l.starts_with('）') && !l.ends_with('（')), "{lines:?}");
        assert_eq!(lines.concat(), "登记失业率（参保口径）偏高");
        let lines = wrap("一二三四，五六", 4.0);
        assert_eq!(lines, ["一二三", "四，五六"]);
        let lines = wrap("一二三（四五", 4.0);
        assert_eq!(lines, ["一二三", "（四五"]);
        assert!(lines.iter().all(|l| advance_sum(l) <= 4.0));
    }

    fn advance_sum(line: &str) -> f32 {
        line.chars().map(advance).sum()
    }

    #[test]
    fn a_line_breaks_after_a_pause_mark_a_few_characters_back() {
        assert_eq!(wrap("其中落后十个点：东营市、德州市", 9.0), ["其中落后十个点：", "东营市、德州市"]);
        assert_eq!(wrap("东营市、德州市、聊城市", 9.0), ["东营市、德州市、", "聊城市"]);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        let lines = wrap("Vacancy-to-seeker ratio 1.16 in Tai'an", 8.0);
        assert_eq!(lines, ["Vacancy-to-", "seeker ratio", "1.16 in Tai'an"]);
        // 求人倍率1.16 breaks before the number, not inside it.
        assert_eq!(wrap("求人倍率1.16", 4.5), ["求人倍率", "1.16"]);
        // A word longer than the line breaks where it must.
        assert_eq!(wrap("abcdefgh", 2.0), ["abcd", "efgh"]);
    }
}
