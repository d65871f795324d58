//! The two languages every text is written in: Chinese first, English beside it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// This language's form of a text given in both.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_form_of_its_language() {
        assert_eq!(Lang::Zh.pick("就业", "Employment"), "就业");
        assert_eq!(Lang::En.pick("就业", "Employment"), "Employment");
    }
}
