/** Plain JSON data: what flows keep in variables, actions return and stores persist as is. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
