/**
 * Maps drawn as SVG from the shipped boundaries (data/edomex-municipios.geojson), with no tile
 * server: a municipality's outline with a report's point, and the state's 125 municipalities
 * shaded by a value. Coordinates are projected equirectangularly (good enough at this size and
 * latitude) and rounded to a tenth of a pixel; colours come from classes in panel.css (no inline style).
 */
import { makeArea } from "../domain/geo.js";
import { escapeHtml } from "../util/text.js";

/** Pixels between two points of an outline worth drawing. */
const MIN_STEP = 1;

type Polygons = readonly (readonly (readonly number[])[])[][];

interface Frame {
  x(lon: number): number;
  y(lat: number): number;
  width: number;
  height: number;
}

function frameFor(all: Polygons[], width: number): Frame {
  const boxes = all.map((polygons) => makeArea(null, { type: "MultiPolygon", coordinates: polygons }).bbox);
  const [minX, minY] = [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1]))];
  const [maxX, maxY] = [Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
  const squeeze = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const pad = 6;
  const scale = (width - 2 * pad) / Math.max((maxX - minX) * squeeze, 1e-9);
  const height = Math.ceil((maxY - minY) * scale + 2 * pad);
  return { x: (lon) => pad + (lon - minX) * squeeze * scale, y: (lat) => pad + (maxY - lat) * scale, width, height };
}

function pathOf(polygons: Polygons, f: Frame): string {
  const parts: string[] = [];
  for (const polygon of polygons)
    for (const ring of polygon) {
      // Points closer than MIN_STEP pixels to the last one kept add nothing visible at this size.
      let [lastX, lastY] = [Number.NaN, Number.NaN];
      const points: string[] = [];
      for (const [lon, lat] of ring) {
        const [x, y] = [f.x(lon), f.y(lat)];
        if (Math.abs(x - lastX) + Math.abs(y - lastY) < MIN_STEP) continue;
        points.push(`${x.toFixed(1)} ${y.toFixed(1)}`);
        [lastX, lastY] = [x, y];
      }
      if (points.length > 2) parts.push(`M${points.join("L")}Z`);
    }
  return parts.join("");
}

/** A municipality's outline and, when known, the report's point on it. */
export function outlineMap(boundary: Polygons | undefined, point: { latitude: number; longitude: number } | null, label: string, width = 320): string {
  if (!boundary) return "";
  const f = frameFor([boundary], width);
  const dot = point ? `<circle class="map-point" cx="${f.x(point.longitude).toFixed(1)}" cy="${f.y(point.latitude).toFixed(1)}" r="6"/>` : "";
  return `<svg class="map" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg"><path class="map-area" d="${pathOf(boundary, f)}"/>${dot}</svg>`;
}

export interface Shaded {
  key: string;
  boundary: Polygons;
  /** 0 (no data) to `classes`. */
  level: number;
  title: string;
}

/** The municipalities shaded by level (classes `shade-0` … `shade-5` in panel.css), each with its title for a tooltip. */
export function choropleth(areas: Shaded[], label: string, width = 640): string {
  const f = frameFor(
    areas.map((a) => a.boundary),
    width,
  );
  const paths = areas
    .map((a) => `<path class="shade-${a.level}" data-key="${escapeHtml(a.key)}" d="${pathOf(a.boundary, f)}"><title>${escapeHtml(a.title)}</title></path>`)
    .join("");
  return `<svg class="map choropleth" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${paths}</svg>`;
}
