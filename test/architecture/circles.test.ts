/**
 * No import circles in the project's own code (src/, cli/, client/, public/, services/, app/),
 * type-only imports included: a circle means neither module can be read, tested or moved
 * without the other, and at run time one of them sees the other half-initialised.
 */
import { describe, expect, it } from "vitest";
import { importCircles, projectImports } from "./imports.ts";

describe("import circles", () => {
	it("finds none across the project's modules", () => {
		const imports = projectImports();
		expect(imports.length).toBeGreaterThan(100);
		expect(importCircles(imports)).toEqual([]);
	});

	it("finds a circle, long or short, and only the modules in it (the check itself can fail)", () => {
		const edges = [
			{ from: "a.ts", to: "b.ts" },
			{ from: "b.ts", to: "c.ts" },
			{ from: "c.ts", to: "a.ts" },
			{ from: "c.ts", to: "d.ts" },
			{ from: "e.ts", to: "e.ts" },
		];
		expect(importCircles(edges)).toEqual([["a.ts", "b.ts", "c.ts"], ["e.ts"]]);
	});
});
