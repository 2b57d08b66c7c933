/** A media id: what the domain hands out (a UUID), and all a store accepts as a name. */
export const MEDIA_ID = /^[a-zA-Z0-9-]{8,64}$/;
