export declare const PINS: { dynamodbLocal: string; moto: string };
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;
export declare function dynamodbLocalDir(): string;
export declare function motoVenv(): string;
export declare function blixardShapesTarget(): string;
export declare function blixardShapesBinary(): string;
