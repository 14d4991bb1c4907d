// What the sharing rules need to know about partners. @hub/config's Partner and PartnerRegistry
// fit these shapes; declaring them here keeps the dependency one way (config → sharing).

export interface SharingPartner {
  id: string;
  organisationType: string;
  identifiers: { schoolUrn?: string; odsCode?: string };
  /** Postcode districts served (e.g. M14). */
  areas: readonly string[];
  /** Present when the hub can deliver to the partner. */
  delivery?: { channel: string };
}

export interface PartnerLookup {
  get(partnerId: string): SharingPartner | undefined;
  all(): readonly SharingPartner[];
}
