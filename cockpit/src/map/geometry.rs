//! The province's real boundaries (data/geo, parsed by `szjy_model::region`) in map
//! coordinates, triangulated for meshes, with point-in-polygon picking. No Bevy here, so
//! it is tested without a renderer.

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Rect, TriangulateEarcut};
use szjy_model::region::{Adcode, Level, RegionTree, PROVINCE};

/// Map coordinates are kilometres east and north of this point (an equirectangular
/// projection at Shandong's latitude: distortion stays under 2 % across the province,
/// invisible on a choropleth and keeping picking exact in map units).
pub const ORIGIN: (f64, f64) = (118.2, 36.3);
const KM_PER_DEGREE_LAT: f64 = 110.574;
const KM_PER_DEGREE_LON_AT_EQUATOR: f64 = 111.320;

/// Longitude/latitude → map kilometres.
pub fn project(lon: f64, lat: f64) -> Coord<f64> {
    let x = (lon - ORIGIN.0) * KM_PER_DEGREE_LON_AT_EQUATOR * ORIGIN.1.to_radians().cos();
    let y = (lat - ORIGIN.1) * KM_PER_DEGREE_LAT;
    Coord { x, y }
}

#[derive(Clone, Debug)]
pub struct RegionShape {
    pub adcode: Adcode,
    pub level: Level,
    pub parent: Adcode,
    /// Projected boundary.
    pub shape: MultiPolygon<f64>,
    pub bounds: Rect<f64>,
    /// Projected label point (inside the region).
    pub label: Coord<f64>,
}

/// All cities and counties.
#[derive(Clone, Debug)]
pub struct MapGeometry {
    pub regions: Vec<RegionShape>,
}

fn polygon(rings: &[Vec<[f64; 2]>]) -> Polygon<f64> {
    let ring = |points: &Vec<[f64; 2]>| LineString::from(points.iter().map(|p| project(p[0], p[1])).collect::<Vec<_>>());
    let exterior = ring(&rings[0]);
    let interiors = rings[1..].iter().map(ring).collect();
    Polygon::new(exterior, interiors)
}

impl MapGeometry {
    /// The Shandong boundaries (parsed once, with the region tree).
    pub fn shandong() -> MapGeometry {
        let tree = RegionTree::shandong();
        let mut regions: Vec<RegionShape> = tree
            .all()
            .iter()
            .filter(|r| r.level != Level::Province)
            .map(|r| {
                let shape = MultiPolygon(r.boundary.iter().map(|rings| polygon(rings)).collect());
                let bounds = shape.bounding_rect().expect("a boundary has points");
                let label = project(r.label_point[0], r.label_point[1]);
                RegionShape { adcode: r.adcode, level: r.level, parent: r.parent.unwrap_or(PROVINCE), shape, bounds, label }
            })
            .collect();
        regions.sort_by_key(|r| r.adcode);
        MapGeometry { regions }
    }

    pub fn get(&self, adcode: Adcode) -> Option<&RegionShape> {
        self.regions.iter().find(|r| r.adcode == adcode)
    }

    /// The bounds of a region; the province's are all cities' together.
    pub fn bounds_of(&self, adcode: Adcode) -> Option<Rect<f64>> {
        if let Some(r) = self.get(adcode) {
            return Some(r.bounds);
        }
        let cities = self.regions.iter().filter(|r| r.level == Level::City);
        cities.map(|r| r.bounds).reduce(|a, b| {
            Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    }

    /// The region among `candidates` whose boundary contains the point (map km).
    pub fn region_at(&self, point: Coord<f64>, mut candidates: impl FnMut(&RegionShape) -> bool) -> Option<&RegionShape> {
        let p = Point(point);
        self.regions.iter().filter(|r| candidates(r)).find(|r| r.bounds.contains(&p) && r.shape.contains(&p))
    }
}

/// Triangles of a region's fill: flat (x, y) vertices and indices into them.
pub fn triangulate(shape: &MultiPolygon<f64>) -> (Vec<[f32; 2]>, Vec<u32>) {
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    for polygon in &shape.0 {
        let raw = polygon.earcut_triangles_raw();
        let base = vertices.len() as u32;
        vertices.extend(raw.vertices.iter().map(|v| [v[0] as f32, v[1] as f32]));
        indices.extend(raw.triangle_indices.iter().map(|&i| base + i as u32));
    }
    (vertices, indices)
}

/// Rings of a region's boundary, outer and inner (for the border lines and the probes'
/// distance to the boundary).
pub fn rings(shape: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> + '_ {
    shape.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn all_cities_and_counties_load_with_their_parents() {
        let map = MapGeometry::shandong();
        let cities = map.regions.iter().filter(|r| r.level == Level::City).count();
        let counties: Vec<_> = map.regions.iter().filter(|r| r.level == Level::County).collect();
        assert_eq!((cities, counties.len()), (16, 136));
        assert!(counties.iter().all(|c| map.get(c.parent).is_some_and(|p| p.level == Level::City)));
    }

    #[test]
    fn triangles_cover_the_region_area() {
        // The triangulation's area equals the polygon's (holes excluded): nothing missing,
        // nothing drawn twice.
        let map = MapGeometry::shandong();
        for r in &map.regions {
            let (v, i) = triangulate(&r.shape);
            let tri_area: f64 = i
                .chunks(3)
                .map(|t| {
                    let [a, b, c] = [v[t[0] as usize], v[t[1] as usize], v[t[2] as usize]].map(|p| [p[0] as f64, p[1] as f64]);
                    ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs() / 2.0
                })
                .sum();
            let area = r.shape.unsigned_area();
            assert!((tri_area - area).abs() / area < 1e-3, "{}: triangles {tri_area:.1} km², polygon {area:.1} km²", r.adcode);
        }
    }

    #[test]
    fn picking_finds_the_region_under_a_label_point() {
        // Every label point lies inside its own region and in no sibling.
        let map = MapGeometry::shandong();
        for level in [Level::City, Level::County] {
            for r in map.regions.iter().filter(|r| r.level == level) {
                let hit = map.region_at(r.label, |c| c.level == level).map(|c| c.adcode);
                assert_eq!(hit, Some(r.adcode), "label of {}", r.adcode);
            }
        }
        // A point in central Jinan (117.00°E, 36.65°N) selects Jinan, and its county.
        let jinan = project(117.0, 36.65);
        assert_eq!(map.region_at(jinan, |r| r.level == Level::City).map(|r| r.adcode), Some(370100));
        assert_eq!(map.region_at(jinan, |r| r.level == Level::County).map(|r| r.parent), Some(370100));
        // The sea east of Qingdao is nobody's.
        assert!(map.region_at(project(122.9, 35.2), |_| true).is_none());
    }

    #[test]
    fn province_area_is_shandongs() {
        // Shandong is about 158,000 km²; the projection keeps area within a few percent.
        let map = MapGeometry::shandong();
        let area: f64 = map.regions.iter().filter(|r| r.level == Level::City).map(|r| r.shape.unsigned_area()).sum();
        assert!((150_000.0..166_000.0).contains(&area), "{area:.0} km²");
    }
}
