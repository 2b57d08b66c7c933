/**
 * Point-in-polygon over GeoJSON (Multi)Polygons with a bounding-box prefilter: a point is
 * tested only against the few municipalities whose box contains it.
 */
type Ring = number[][];
type Polygon = Ring[];

export interface Area<T> {
  value: T;
  polygons: Polygon[];
  bbox: [number, number, number, number];
}

function ringContains(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function polygonContains(polygon: Polygon, x: number, y: number): boolean {
  if (!ringContains(polygon[0], x, y)) return false;
  for (let h = 1; h < polygon.length; h++) if (ringContains(polygon[h], x, y)) return false;
  return true;
}

export function makeArea<T>(value: T, geometry: { type: string; coordinates: unknown }): Area<T> {
  const polygons = (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates) as Polygon[];
  let [minX, minY, maxX, maxY] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const poly of polygons)
    for (const [x, y] of poly[0]) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  return { value, polygons, bbox: [minX, minY, maxX, maxY] };
}

/** The first area containing (longitude, latitude), or undefined. */
export function locate<T>(areas: readonly Area<T>[], longitude: number, latitude: number): T | undefined {
  for (const area of areas) {
    const [minX, minY, maxX, maxY] = area.bbox;
    if (longitude < minX || longitude > maxX || latitude < minY || latitude > maxY) continue;
    if (area.polygons.some((p) => polygonContains(p, longitude, latitude))) return area.value;
  }
  return undefined;
}
