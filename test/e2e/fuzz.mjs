// A seeded page-side fuzz.
export const fuzzScenarios = {};
