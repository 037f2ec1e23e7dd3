/**
 * Opens the first camera, if there is one, as a playing video element shown small in the bottom-left corner.
 * @returns the video element, or null without a camera or permission
 */
export async function startCamera(): Promise<HTMLVideoElement | null> {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    if (!devices.some((d) => d.kind === "videoinput")) {
        return null;
    }
    try {
        const video = document.createElement("video");
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        video.muted = true;
        video.playsInline = true;
        await video.play();
        video.style.cssText = "position:absolute;left:8px;bottom:8px;width:160px;border:1px solid #556;transform:scaleX(-1)";
        document.body.appendChild(video);
        return video;
    } catch {
        return null;
    }
}
