//! The pictures: which page, in which language, on which screen, and the file each becomes.

use discock::i18n::Lang;

/// The page a picture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// `/login`, signed out.
    Login,
    /// `/chat`, the default room, signed in as the viewer.
    Chat,
}

/// The screen a picture is taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// A 1440×900 desktop browser window, 1 pixel per CSS pixel.
    Desktop,
    /// A 375×812 phone (an iPhone X–13 mini's viewport) with touch, 2 pixels per CSS pixel as on
    /// the phone itself: 750×1624 pixels.
    Phone,
}

impl Device {
    /// The page's viewport in CSS pixels.
    pub fn viewport(self) -> (u32, u32) {
        match self {
            Device::Desktop => (1440, 900),
            Device::Phone => (375, 812),
        }
    }

    /// Device pixels per CSS pixel.
    pub fn scale(self) -> u32 {
        match self {
            Device::Desktop => 1,
            Device::Phone => 2,
        }
    }

    /// The picture's size in pixels.
    pub fn pixels(self) -> (u32, u32) {
        let (width, height) = self.viewport();
        (width * self.scale(), height * self.scale())
    }

    pub fn is_phone(self) -> bool {
        self == Device::Phone
    }
}

/// One picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shot {
    pub page: Page,
    pub lang: Lang,
    pub device: Device,
}

impl Shot {
    /// Every picture, in the order they are taken.
    pub fn all() -> Vec<Shot> {
        let mut all = Vec::new();
        for page in [Page::Login, Page::Chat] {
            for device in [Device::Desktop, Device::Phone] {
                for lang in Lang::ALL {
                    all.push(Shot { page, lang, device });
                }
            }
        }
        all
    }

    /// `chat-en-phone`: the file's name without `.png`, and what `--only` takes.
    pub fn name(&self) -> String {
        let page = match self.page {
            Page::Login => "login",
            Page::Chat => "chat",
        };
        let device = match self.device {
            Device::Desktop => "desktop",
            Device::Phone => "phone",
        };
        format!("{page}-{}-{device}", self.lang.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_picture_per_page_language_and_screen_each_with_its_own_name() {
        let names: Vec<String> = Shot::all().iter().map(Shot::name).collect();
        assert_eq!(
            names,
            [
                "login-ru-desktop",
                "login-en-desktop",
                "login-ru-phone",
                "login-en-phone",
                "chat-ru-desktop",
                "chat-en-desktop",
                "chat-ru-phone",
                "chat-en-phone",
            ]
        );
    }

    #[test]
    fn a_phone_picture_has_two_pixels_per_css_pixel() {
        assert_eq!(Device::Phone.pixels(), (750, 1624));
        assert_eq!(Device::Desktop.pixels(), (1440, 900));
    }
}
