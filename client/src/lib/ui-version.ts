/** Stored with every judgment as a provenance signal; bump it with any change to what raters see or how it is measured. */
export const UI_VERSION = '0.2.0';
