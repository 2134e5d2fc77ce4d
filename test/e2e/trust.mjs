// Attack pages of the trust review: each a few lines of hostile page, run in both browsers.
export const trustScenarios = {};
