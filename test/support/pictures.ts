import type { Page } from "playwright-core";

/**
 * Mean absolute difference of two pictures of the same size, per colour channel, in 0–255, computed in the page
 * (the pictures are PNG data URLs, decoded by the browser).
 * @param page a page of the session
 * @param a first picture
 * @param b second picture
 * @returns the mean difference
 */
export function pictureDifference(page: Page, a: string, b: string): Promise<number> {
    return page.evaluate(
        async ([first, second]) => {
            const read = async (url: string) => {
                const image = new Image();
                image.src = url;
                await image.decode();
                const canvas = new OffscreenCanvas(image.width, image.height);
                const context = canvas.getContext("2d")!;
                context.drawImage(image, 0, 0);
                return context.getImageData(0, 0, image.width, image.height).data;
            };
            const [x, y] = [await read(first), await read(second)];
            if (x.length !== y.length) {
                throw new Error(`pictures of different sizes (${x.length / 4} and ${y.length / 4} pixels)`);
            }
            let sum = 0;
            for (let i = 0; i < x.length; i++) {
                if (i % 4 !== 3) sum += Math.abs(x[i] - y[i]);
            }
            return sum / ((x.length / 4) * 3);
        },
        [a, b]
    );
}
